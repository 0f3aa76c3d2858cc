// Resilience scenario of `npm run bench` (also runnable alone):
//
//   node --import tsx bench/resilience.ts [--db sqlite,postgres] [--root <checkout>] [--seconds 8]
//
// Starts the compiled server (`<root>/dist/cli/main.js serve`, embedded identity, the node
// flags `npm start` uses) on a fresh database and measures the latency (p50/p95) of normal
// clients — 2 clients looping `GET /v2.0/networks?limit=1` with a valid token — in three
// phases of `--seconds` each:
//   unloaded       nothing else runs
//   wrong_password 32 more clients loop POST /v3/auth/tokens with a wrong admin password
//   largest_body   1 more client loops POST /v2.0/networks with a body just under the
//                  server's body limit (`{"networks":[{},{},…]}`; --body-bytes overrides)
// The loading clients run in their own process (bench/resilience-load.mjs), so their CPU
// use does not delay the measuring client. A request still unanswered 2 s after its phase
// counts with its age then (censored).
// The ratio of each loaded phase's p50/p95 to the unloaded one goes to
// bench/results/resilience-<db>.jsonl (read by bench/run.ts for BENCHMARKS.md) and stdout.
// `--root` points at another checkout (built with `npm run build`) to measure old code.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freshDatabase, type TestDialect } from '../test/helpers/server.ts';
import { freePort, waitUp } from '../test/helpers/process.ts';

const here = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ADMIN_PASSWORD = 'bench-admin-secret';

export interface ResilienceOptions {
  root?: string;
  seconds?: number;
  /** Body size of the largest_body phase (default: the server's limit minus one byte). */
  bodyBytes?: number;
  label?: string;
  out?: string;
  /** Loaded phases to run (default both). */
  phases?: string[];
}

function quantile(sorted: number[], q: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const round = (x: number) => Math.round(x * 100) / 100;

/**
 * Normal clients' latencies while `load` runs, for `seconds`: open loop, one request every
 * 1000/RATE ms whatever is still outstanding (a stalled server shows as many slow answers,
 * not as few requests). A request unanswered 2 s after the phase counts with its age then.
 */
const RATE = 40;
async function measure(apiUrl: string, token: string, seconds: number, load?: (stop: () => boolean) => Promise<unknown>): Promise<{ p50: number; p95: number; n: number; censored: number; load: Record<string, number> }> {
  let until = Date.now() + seconds * 1000;
  const stop = () => Date.now() >= until;
  const latencies: number[] = [];
  let censored = 0;
  const loadPromise = load ? load(stop) : Promise.resolve({});
  // Give the load a moment to build up before measuring.
  if (load) {
    await new Promise((r) => setTimeout(r, 300));
    until += 300;
  }
  const pending: Promise<void>[] = [];
  const deadline = until + 2000;
  const one = async () => {
    const t0 = performance.now();
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), Math.max(1, deadline - Date.now()));
    try {
      const res = await fetch(`${apiUrl}/v2.0/networks?limit=1`, { headers: { 'x-auth-token': token }, signal: ac.signal });
      await res.text();
    } catch {
      censored++;
    } finally {
      clearTimeout(timer);
      latencies.push(performance.now() - t0);
    }
  };
  const t0 = Date.now();
  for (let i = 0; !stop(); i++) {
    pending.push(one());
    const next = t0 + ((i + 1) * 1000) / RATE;
    await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
  }
  await Promise.all(pending);
  const loadStats = (await loadPromise) as Record<string, number>;
  latencies.sort((a, b) => a - b);
  return { p50: round(quantile(latencies, 0.5)), p95: round(quantile(latencies, 0.95)), n: latencies.length, censored, load: loadStats };
}

/**
 * Runs the load generator (bench/resilience-load.mjs, its own process) with `clients`
 * clients POSTing `body` to `url` for `seconds`; resolves with its answers by status.
 */
function loadProcess(clients: number, seconds: number, url: string, body: string, headers: Record<string, string> = {}): Promise<Record<string, number>> {
  const file = path.join(os.tmpdir(), `neutrino-bench-body-${process.pid}-${clients}.json`);
  fs.writeFileSync(file, body);
  const child = spawn(process.execPath, [path.join(here, 'bench', 'resilience-load.mjs'), String(clients), String(seconds), url, file, ...Object.entries(headers).map(([k, v]) => `${k}=${v}`)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  return new Promise((resolve) =>
    child.on('exit', () => {
      fs.rmSync(file, { force: true });
      resolve(out ? JSON.parse(out) : {});
    }),
  );
}

export async function runResilience(dialect: TestDialect, options: ResilienceOptions = {}): Promise<Record<string, unknown>> {
  const root = path.resolve(options.root ?? here);
  const seconds = options.seconds ?? 8;
  const db = await freshDatabase(dialect);
  const apiPort = await freePort();
  const identityPort = await freePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const identityUrl = `http://127.0.0.1:${identityPort}`;
  const env = {
    ...process.env,
    NEUTRINO_API_PORT: String(apiPort),
    NEUTRINO_AUTH_IDENTITY_PORT: String(identityPort),
    NEUTRINO_DATABASE_URL: db.url,
    NEUTRINO_AUTH_STRATEGY: 'embedded',
    NEUTRINO_AUTH_ADMIN_PASSWORD: ADMIN_PASSWORD,
    NEUTRINO_AUTH_CLOUDS_YAML: 'none',
    NEUTRINO_LOG_LEVEL: 'fatal',
    NEUTRINO_QUOTAS_NETWORK: '-1',
  };
  const nodeOptions = (process.env.BENCH_NODE_OPTIONS ?? '--max-semi-space-size=1').split(' ').filter(Boolean);
  const child = spawn(process.execPath, [...nodeOptions, 'dist/cli/main.js', 'serve'], { cwd: root, env, stdio: ['ignore', 'ignore', 'inherit'] });
  const label = options.label ?? `neutrino-${dialect}`;
  try {
    await waitUp(`${apiUrl}/`, child);
    const auth = (password: string) => ({
      auth: {
        identity: { methods: ['password'], password: { user: { name: 'admin', domain: { id: 'default' }, password } } },
        scope: { project: { name: 'admin', domain: { id: 'default' } } },
      },
    });
    let token = '';
    for (let i = 0; i < 50 && !token; i++) {
      const res = await fetch(`${identityUrl}/v3/auth/tokens?nocatalog`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(auth(ADMIN_PASSWORD)) });
      await res.text();
      if (res.status === 201) token = res.headers.get('x-subject-token')!;
      else await new Promise((r) => setTimeout(r, 100));
    }
    if (!token) throw new Error('no admin token');
    await fetch(`${apiUrl}/v2.0/networks`, { method: 'POST', headers: { 'x-auth-token': token, 'content-type': 'application/json' }, body: '{"network":{"name":"bench"}}' }).then((r) => r.text());
    // The body limit the server enforces: the largest size answered with anything but 413.
    const limitOf = async (): Promise<number> => {
      let lo = 1024;
      let hi = 128 * 1024 * 1024;
      while (hi - lo > 1024) {
        const mid = Math.floor((lo + hi) / 2);
        // A refused body may be cut off while it is being sent (EPIPE): refused too.
        const status = await fetch(`${apiUrl}/v2.0/networks`, { method: 'POST', headers: { 'x-auth-token': token, 'content-type': 'application/json' }, body: `{"x":"${'a'.repeat(mid - 8)}"}` })
          .then(async (res) => (await res.text(), res.status))
          .catch(() => 413);
        if (status === 413) hi = mid;
        else lo = mid;
      }
      return lo;
    };
    const bodyBytes = options.bodyBytes ?? (await limitOf());
    const items = Math.max(1, Math.floor((bodyBytes - 16) / 3));
    const bigBody = `{"networks":[${Array.from({ length: items }, () => '{}').join(',')}]}`;

    const phases: Record<string, Awaited<ReturnType<typeof measure>>> = {};
    phases.unloaded = await measure(apiUrl, token, seconds);
    const want = (name: string) => !options.phases || options.phases.includes(name);
    if (want('wrong_password')) phases.wrong_password = await measure(apiUrl, token, seconds, () => loadProcess(32, seconds + 0.3, `${identityUrl}/v3/auth/tokens`, JSON.stringify(auth('wrong'))));
    // Let the server drain what the previous phase left queued.
    await new Promise((r) => setTimeout(r, 2000));
    if (want('largest_body')) phases.largest_body = await measure(apiUrl, token, seconds, () => loadProcess(1, seconds + 0.3, `${apiUrl}/v2.0/networks`, bigBody, { 'x-auth-token': token }));
    const base = phases.unloaded;
    const result = {
      ts: new Date().toISOString(),
      label,
      scenario: 'resilience',
      root,
      seconds,
      body_bytes: bigBody.length,
      body_items: items,
      loadavg_1m: Math.round(os.loadavg()[0] * 10) / 10,
      phases: Object.fromEntries(
        Object.entries(phases).map(([name, p]) => [name, { ...p, ratio_p50: round(p.p50 / base.p50), ratio_p95: round(p.p95 / base.p95) }]),
      ),
    };
    if (options.out) fs.appendFileSync(options.out, JSON.stringify(result) + '\n');
    return result;
  } finally {
    child.kill('SIGKILL');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
    await db.drop();
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const arg = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
  const dialects = (arg('--db') ?? 'sqlite,postgres').split(',') as TestDialect[];
  const resultsDir = path.join(here, 'bench', 'results');
  fs.mkdirSync(resultsDir, { recursive: true });
  for (const d of dialects) {
    const out = arg('--out') ?? path.join(resultsDir, `resilience-${d}.jsonl`);
    const result = await runResilience(d, { root: arg('--root'), seconds: Number(arg('--seconds') ?? 8), bodyBytes: arg('--body-bytes') ? Number(arg('--body-bytes')) : undefined, label: arg('--label'), out, phases: arg('--phases')?.split(',') });
    console.log(JSON.stringify(result));
  }
}
