// Summarizes a .cpuprofile (bench/profile-phase.ts, node --cpu-prof): self and inclusive time by
// function. node bench/profile-summary.mjs <file.cpuprofile> [top N] [filter]
import fs from 'node:fs';
const prof = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const top = +process.argv[3] || 40;
const filter = process.argv[4];
const nodes = new Map(prof.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const selfHits = new Map();
for (const s of prof.samples) selfHits.set(s, (selfHits.get(s) ?? 0) + 1);
const total = prof.samples.length;
const key = (n) => `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.replace(/^.*\/(node_modules|src|wt\/perf)\//, '$1/')}:${n.callFrame.lineNumber + 1}`;
const self = new Map(), incl = new Map();
for (const [id, hits] of selfHits) {
  const n = nodes.get(id);
  self.set(key(n), (self.get(key(n)) ?? 0) + hits);
  const seen = new Set();
  for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
    const k = key(nodes.get(cur));
    if (seen.has(k)) continue;
    seen.add(k);
    incl.set(k, (incl.get(k) ?? 0) + hits);
  }
}
const pr = (m, title) => {
  console.log(`== ${title} (of ${total} samples)`);
  [...m].filter(([k]) => !filter || k.includes(filter)).sort((a, b) => b[1] - a[1]).slice(0, top).forEach(([k, v]) => console.log(`${(100 * v / total).toFixed(1).padStart(5)}%  ${k}`));
};
pr(self, 'self');
pr(incl, 'inclusive');
