// Compiles the TypeScript sources into dist/ (and bundles the dashboard into
// dist/dashboard-ui/) when dist/ is missing or older than a source
// (bin/neutrino.mjs calls it before every start; `npm run build` forces it). Compiler
// output goes to stderr, so a service's stdout stays its JSON log.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const stamp = path.join(dist, '.build-stamp');
export const entry = path.join(dist, 'cli', 'main.js');

/** Newest modification time (ms) of the build's inputs: src/, the tsconfigs, package.json. */
function newestInput() {
  let newest = 0;
  const visit = (p) => {
    const st = fs.statSync(p);
    newest = Math.max(newest, st.mtimeMs);
    if (st.isDirectory()) for (const name of fs.readdirSync(p)) visit(path.join(p, name));
  };
  visit(path.join(root, 'src'));
  for (const f of ['tsconfig.json', 'tsconfig.build.json', 'package.json']) {
    const p = path.join(root, f);
    if (fs.existsSync(p)) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

function stale() {
  if (!fs.existsSync(entry) || !fs.existsSync(stamp)) return true;
  // Sources are absent in a packaged install: then dist/ is all there is.
  if (!fs.existsSync(path.join(root, 'src'))) return false;
  return newestInput() > fs.statSync(stamp).mtimeMs;
}

/** Compiles tsconfig.build.json into outDir in this process (a signal stops the build with it); false on errors. */
function compile(ts, outDir) {
  const host = { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => report([d]) };
  const report = (diagnostics) => {
    if (!diagnostics.length) return;
    process.stderr.write(ts.formatDiagnosticsWithColorAndContext(diagnostics, { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' }));
  };
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.build.json'), { outDir }, host);
  if (!parsed) return false;
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, projectReferences: parsed.projectReferences });
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...program.emit().diagnostics];
  report(diagnostics);
  return !diagnostics.some((d) => d.category === ts.DiagnosticCategory.Error);
}

/** Builds dist/ if stale (or always with force); exits the process when the build cannot be done. */
export async function ensureBuilt({ force = false } = {}) {
  if (!force && (process.env.NEUTRINO_SKIP_BUILD === '1' || !stale())) return;
  let ts;
  try {
    ts = (await import('typescript')).default;
  } catch {
    console.error('neutrino: dist/ is missing or older than src/, and the TypeScript compiler is not installed (npm install, without --omit=dev)');
    process.exit(1);
  }
  console.error('neutrino: compiling the TypeScript sources into dist/ (first start, or sources changed since the last build)…');
  const started = Date.now();
  // Build into a fresh directory, then swap it in: files of moved or deleted sources do not
  // linger, and a failed build leaves the previous dist/ in place.
  const fresh = `${dist}.build-${process.pid}`;
  fs.rmSync(fresh, { recursive: true, force: true });
  if (!compile(ts, fresh)) {
    fs.rmSync(fresh, { recursive: true, force: true });
    console.error('neutrino: the TypeScript build failed');
    process.exit(1);
  }
  fs.rmSync(dist, { recursive: true, force: true });
  fs.renameSync(fresh, dist);
  // The dashboard's front end (Preact, esbuild) is bundled into dist/dashboard-ui/.
  const dashboard = path.join(dist, 'dashboard', 'build.js');
  if (fs.existsSync(dashboard)) {
    try {
      await (await import(pathToFileURL(dashboard).href)).buildDashboard();
    } catch (err) {
      console.error(`neutrino: bundling the dashboard failed: ${err instanceof Error ? err.message : err}`);
      process.exit(1);
    }
  }
  // The stamp carries the time the build started: a source saved during the build is newer.
  fs.writeFileSync(stamp, `${new Date(started).toISOString()}\n`);
  fs.utimesSync(stamp, started / 1000, started / 1000);
  console.error(`neutrino: compiled in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await ensureBuilt({ force: process.argv.includes('--force') });
