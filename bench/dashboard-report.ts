// The "## Dashboard" section of BENCHMARKS.md, rendered from bench/results/dashboard.json
// (written by `npm run bench:dashboard`); `npm run bench` keeps it when it rewrites the file.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const DASHBOARD_RESULTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'results', 'dashboard.json');

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
export const round = (x: number) => Math.round(x * 10) / 10;

/** The section, or '' before the first `npm run bench:dashboard`. */
export function dashboardReport(): string {
  if (!fs.existsSync(DASHBOARD_RESULTS)) return '';
  const r = JSON.parse(fs.readFileSync(DASHBOARD_RESULTS, 'utf8'));
  const files: Array<{ name: string; bytes: number; gzip: number; brotli: number }> = r.files;
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
  const row = (label: string, xs: number[]) => `| ${label} | ${round(median(xs))} ms | ${Math.min(...xs)} ms | ${Math.max(...xs)} ms |`;
  return `## Dashboard

Produced by \`npm run bench:dashboard\` (bench/dashboard.ts) on ${String(r.date).slice(0, 10)}: the bundle \`npm run build\`
makes (esbuild, minified), then ${r.runs} page loads of \`/dashboard/\` in headless Chromium ${r.chromium} with a cold
cache each, from Neutrino on the same 2-core machine (embedded identity, SQLite; a project with 10
networks, 10 subnets and a router joining them). Times are taken inside the page. Raw figures:
bench/results/dashboard.json.

| file | bytes | gzip | brotli (served) |
|---|---|---|---|
${files.map((f) => `| ${f.name.replace(/-[A-Z0-9]+\./, '-&lt;hash&gt;.')} | ${f.bytes} | ${f.gzip} | ${f.brotli} |`).join('\n')}
| **total** | ${r.total.bytes} (${kb(r.total.bytes)}) | ${r.total.gzip} (${kb(r.total.gzip)}) | ${r.total.brotli} (${kb(r.total.brotli)}) |

| measure | median | min | max |
|---|---|---|---|
${row('first paint (sign-in page)', r.first_paint_ms)}
${row('first contentful paint', r.first_contentful_paint_ms)}
${row('sign in (password check, scoped token) → topology drawn', r.sign_in_to_topology_ms)}
${row(`network created through the API → shown in the topology (${r.live_mode === 'live' ? 'watch API' : r.live_mode})`, r.live_update_ms)}

Bytes over the wire for the first load (page, script, style sheet; brotli): ${r.transferred_bytes}.
`;
}
