// Before/after over real HTTP: two checkouts' compiled servers (dist/, build them first),
// each on a fresh SQLite database, driven alternately (A, B, A, B, …) by the shared workload
// ../shared/bench/neutron-bench.mjs, so the machine's load hits both sides alike. Reports
// per phase the medians of ops/s and of the server's CPU time per operation (utime+stime of
// the server process, from the workload's server_cpu_s: far steadier than wall time on a
// shared machine), and their ratios B/A.
//   node --import tsx bench/ab-http.ts <rootA> <rootB> [runs=3]
//   SCENARIOS=port_create_seq,port_delete N=500 node --import tsx bench/ab-http.ts …
//   DB=postgres node --import tsx bench/ab-http.ts …   each run on a fresh PostgreSQL database
//                                                       (127.0.0.1:5432) instead of SQLite
import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { freePort, waitUp } from '../test/helpers/process.ts';
import { freshDatabase, type TestDialect } from '../test/helpers/server.ts';

const [a, b] = [path.resolve(process.argv[2]), path.resolve(process.argv[3])];
const runs = Number(process.argv[4] ?? 3);
const script = process.env.NEUTRON_BENCH ?? '/work/shared/bench/neutron-bench.mjs';
const dialect = (process.env.DB ?? 'sqlite') as TestDialect;

async function once(root: string): Promise<Record<string, { ops: number; cpu: number }>> {
  const db = await freshDatabase(dialect);
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, NEUTRINO_API_PORT: String(port), NEUTRINO_DATABASE_URL: db.url, NEUTRINO_AUTH_STRATEGY: 'noauth', NEUTRINO_LOG_LEVEL: 'warn' };
  for (const q of ['NETWORK', 'SUBNET', 'PORT', 'ROUTER', 'SECURITY_GROUP', 'SECURITY_GROUP_RULE']) env[`NEUTRINO_QUOTAS_${q}`] = '-1';
  const server = spawn(process.execPath, ['--max-semi-space-size=1', 'dist/cli/main.js', 'serve'], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
  try {
    await waitUp(`http://127.0.0.1:${port}/`, server);
    const out = await new Promise<string>((resolve, reject) => {
      const p = spawn(process.execPath, [script], {
        env: { ...process.env, NEUTRON_URL: `http://127.0.0.1:${port}`, NOAUTH_PROJECT: 'bench', RSS_PID: String(server.pid), N: process.env.N ?? '500', C: '16', M: '2000', N_ROUTER: '50' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let text = '';
      p.stdout.on('data', (d) => (text += d));
      p.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`neutron-bench exited with ${code}`))));
    });
    const res: Record<string, { ops: number; cpu: number }> = {};
    for (const line of out.split('\n').filter((l) => l.startsWith('{'))) {
      const l = JSON.parse(line);
      if (l.ops_per_s === undefined) continue;
      let key = `${l.scenario}/${l.op}${l.concurrency > 1 ? ` c${l.concurrency}` : ''}`;
      while (res[key]) key += "'";
      res[key] = { ops: l.ops_per_s, cpu: l.server_cpu_s !== undefined ? Math.round((l.server_cpu_s * 1e6) / l.ops) : NaN };
    }
    return res;
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    await db.drop();
  }
}

const results: Record<'A' | 'B', Record<string, { ops: number; cpu: number }>[]> = { A: [], B: [] };
for (let r = 0; r < runs; r++) {
  for (const side of (r % 2 ? ['B', 'A'] : ['A', 'B']) as ('A' | 'B')[]) {
    results[side].push(await once(side === 'A' ? a : b));
    console.error(`run ${r + 1} ${side} done (load ${os.loadavg()[0].toFixed(1)})`);
  }
}
const median = (xs: number[]) => { const s = [...xs].sort((x, y) => x - y); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
console.log(`| phase | A ops/s | B ops/s | B/A ops/s | A server CPU µs/op | B server CPU µs/op | B/A CPU |`);
console.log('|---|---|---|---|---|---|---|');
for (const k of Object.keys(results.A[0])) {
  const oa = median(results.A.map((x) => x[k]?.ops)), ob = median(results.B.map((x) => x[k]?.ops));
  const ca = median(results.A.map((x) => x[k]?.cpu)), cb = median(results.B.map((x) => x[k]?.cpu));
  console.log(`| ${k} | ${oa} | ${ob} | ${(ob / oa).toFixed(2)} | ${ca} | ${cb} | ${(cb / ca).toFixed(2)} |`);
}
console.log(`\nmedians of ${runs} interleaved runs each; A = ${a}, B = ${b}; ${dialect}; load average at the end ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
