// npm run bench:dashboard: the dashboard's bundle size, first paint in Chromium (cold cache,
// the page as `npm start` serves it) and how long a change made through the API takes to show
// in the topology. Writes the "## Dashboard" section of BENCHMARKS.md (raw figures in
// bench/results/dashboard.json).
//
//   npm run bench:dashboard               10 page loads, 10 live changes
//   BENCH_RUNS=30 npm run bench:dashboard
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { buildDashboard } from '../src/dashboard/build.ts';
import { startEmbeddedIdentityServer } from '../test/helpers/embedded-identity.ts';
import { dashboardReport, median, round } from './dashboard-report.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runs = Number(process.env.BENCH_RUNS ?? 10);
const chromiumPath = process.env.NEUTRINO_CHROMIUM ?? '/usr/bin/chromium';


const bundle = await buildDashboard();
const server = await startEmbeddedIdentityServer();
const base = server.service.url;
const browser = await chromium.launch({ executablePath: chromiumPath, args: ['--headless', '--no-sandbox'] });

async function token(): Promise<string> {
  const res = await fetch(`${server.authUrl}/auth/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ auth: { identity: { methods: ['password'], password: { user: { name: 'admin', domain: { name: 'Default' }, password: server.adminPassword } } }, scope: { project: { name: 'admin', domain: { name: 'Default' } } } } }),
  });
  return res.headers.get('x-subject-token')!;
}

async function post(tok: string, p: string, body: unknown): Promise<any> {
  const res = await fetch(base + p, { method: p.includes('interface') ? 'PUT' : 'POST', headers: { 'x-auth-token': tok, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`${p} -> ${res.status} ${await res.text()}`);
  return res.json();
}

try {
  const tok = await token();
  // A project with something to draw: 10 networks with a subnet each, one router joining them.
  const router = (await post(tok, '/v2.0/routers', { router: { name: 'r' } })).router;
  for (let i = 0; i < 10; i++) {
    const net = (await post(tok, '/v2.0/networks', { network: { name: `net-${i}` } })).network;
    const sub = (await post(tok, '/v2.0/subnets', { subnet: { network_id: net.id, cidr: `10.${i}.0.0/24`, ip_version: 4 } })).subnet;
    await post(tok, `/v2.0/routers/${router.id}/add_router_interface`, { subnet_id: sub.id });
  }

  const paint: Array<{ first_paint_ms: number; first_contentful_paint_ms: number; dom_content_loaded_ms: number; transferred_bytes: number }> = [];
  const signIn: number[] = [];
  const live: number[] = [];
  let mode = '';
  for (let r = 0; r < runs; r++) {
    const context = await browser.newContext(); // cold cache every run
    const page = await context.newPage();
    if (process.env.BENCH_DEBUG) page.on('console', (m) => console.error('page:', m.text()));
    await page.goto(`${base}/dashboard/`);
    await page.locator('input[name=password]').waitFor();
    paint.push(
      await page.evaluate(() => {
        const p = Object.fromEntries(performance.getEntriesByType('paint').map((e) => [e.name, e.startTime]));
        const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
        const transferred = (performance.getEntriesByType('resource') as PerformanceResourceTiming[]).reduce((a, e) => a + e.transferSize, nav.transferSize);
        return { first_paint_ms: p['first-paint'], first_contentful_paint_ms: p['first-contentful-paint'], dom_content_loaded_ms: nav.domContentLoadedEventEnd, transferred_bytes: transferred };
      }),
    );
    await page.fill('input[name=password]', server.adminPassword);
    await page.fill('input[name=project]', 'admin');
    // Timed inside the page: from the form's submit event to the topology's router being drawn.
    // (A string, not a function: tsx would wrap named inner functions in a helper the page lacks.)
    await page.evaluate(`window.signIn = new Promise((resolve) => {
      document.querySelector('form').addEventListener('submit', () => {
        const t0 = performance.now();
        new MutationObserver((_, observer) => {
          if (!document.querySelector('[data-testid=topology-router]')) return;
          observer.disconnect();
          resolve(performance.now() - t0);
        }).observe(document.body, { subtree: true, childList: true });
      }, { capture: true });
    }); undefined`);
    await page.click('button[type=submit]');
    signIn.push(Math.round(await page.evaluate(() => (window as unknown as { signIn: Promise<number> }).signIn)));
    mode = await page.getByTestId('mode').innerText();
    // One change through the API; the time until the topology shows it.
    // The page notes (wall clock, same machine) when the network's bar appears.
    await page.evaluate((name) => {
      const w = window as unknown as { shown: Promise<number> };
      w.shown = new Promise((resolve) => {
        new MutationObserver((_, observer) => {
          if (document.querySelector(`[data-testid=topology-network][data-name="${name}"]`)) {
            observer.disconnect();
            resolve(Date.now());
          }
        }).observe(document.body, { subtree: true, childList: true });
      });
    }, `live-${r}`);
    const t1 = Date.now();
    await post(tok, '/v2.0/networks', { network: { name: `live-${r}` } });
    live.push((await page.evaluate(() => (window as unknown as { shown: Promise<number> }).shown)) - t1);
    await context.close();
  }

  const files = bundle.files;
  const total = files.reduce((a, f) => ({ bytes: a.bytes + f.bytes, gzip: a.gzip + f.gzip, brotli: a.brotli + f.brotli }), { bytes: 0, gzip: 0, brotli: 0 });
  const result = {
    date: new Date().toISOString(),
    chromium: browser.version(),
    node: process.version,
    runs,
    files,
    total,
    first_paint_ms: paint.map((p) => round(p.first_paint_ms)),
    first_contentful_paint_ms: paint.map((p) => round(p.first_contentful_paint_ms)),
    transferred_bytes: paint[0]?.transferred_bytes,
    sign_in_to_topology_ms: signIn,
    live_update_ms: live,
    live_mode: mode,
  };
  fs.mkdirSync(path.join(root, 'bench', 'results'), { recursive: true });
  fs.writeFileSync(path.join(root, 'bench', 'results', 'dashboard.json'), JSON.stringify(result, null, 2) + '\n');

  const section = dashboardReport();
  const file = path.join(root, 'BENCHMARKS.md');
  const doc = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = doc.indexOf('\n## Dashboard\n');
  let next = start < 0 ? -1 : doc.indexOf('\n## ', start + 1);
  if (next < 0) next = doc.length;
  const updated = start < 0 ? `${doc.trimEnd()}\n\n${section}` : `${doc.slice(0, start)}\n${section}${doc.slice(next)}`;
  fs.writeFileSync(file, updated);
  console.error(section);
} finally {
  await browser.close();
  await server.close();
}
