// Bundles the dashboard's front end (src/dashboard/ui/, Preact + TSX) with esbuild into
// dist/dashboard-ui/: index.html, app-<hash>.js and app-<hash>.css. Run by `npm run build`
// (node dist/dashboard/build.js) and by the dashboard's browser test.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { DEFAULT_UI_DIR } from './index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The UI sources: beside this file in src/, or in src/ when this runs compiled from dist/. */
const UI_SRC = [path.join(here, 'ui'), path.resolve(here, '../../src/dashboard/ui')].find((d) => fs.existsSync(path.join(d, 'main.tsx')))!;

export interface BundleFile {
  name: string;
  bytes: number;
  gzip: number;
  brotli: number;
}

export interface BundleResult {
  dir: string;
  files: BundleFile[];
}

export async function buildDashboard(outDir: string = DEFAULT_UI_DIR): Promise<BundleResult> {
  if (!UI_SRC) throw new Error('dashboard sources (src/dashboard/ui/main.tsx) not found');
  const result = await build({
    entryPoints: [path.join(UI_SRC, 'main.tsx')],
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['chrome100', 'firefox100', 'safari15'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    entryNames: 'app-[hash]',
    outdir: outDir,
    metafile: true,
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  // Several builds may run at once (the test files build before they start): every file is
  // written beside its final name and renamed into place, and identical sources give identical
  // hashed names, so a reader never sees a half-written or missing file.
  fs.mkdirSync(outDir, { recursive: true });
  const put = (name: string, contents: Uint8Array | string) => {
    const tmp = path.join(outDir, `.${name}.${process.pid}.${Math.random().toString(36).slice(2)}`);
    fs.writeFileSync(tmp, contents);
    fs.renameSync(tmp, path.join(outDir, name));
  };
  const names: string[] = [];
  for (const file of result.outputFiles) {
    put(path.basename(file.path), file.contents);
    names.push(path.basename(file.path));
  }
  const js = names.find((n) => n.endsWith('.js'));
  const css = names.find((n) => n.endsWith('.css'));
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Neutrino dashboard</title>
<link rel="icon" href="data:,">
${css ? `<link rel="stylesheet" href="assets/${css}">\n` : ''}<script type="module" src="assets/${js}"></script>
</head>
<body>
<div id="app"></div>
</body>
</html>
`;
  put('index.html', html);
  names.push('index.html');
  // Bundles of earlier builds go (not other builds' files being written: those start with a dot).
  for (const old of fs.readdirSync(outDir)) {
    if (!old.startsWith('.') && !names.includes(old)) fs.rmSync(path.join(outDir, old), { force: true });
  }
  const files = names.sort().map((name) => {
    const body = fs.readFileSync(path.join(outDir, name));
    return {
      name,
      bytes: body.length,
      gzip: zlib.gzipSync(body, { level: 9 }).length,
      brotli: zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
    };
  });
  return { dir: outDir, files };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { dir, files } = await buildDashboard();
  const total = files.reduce((a, f) => ({ bytes: a.bytes + f.bytes, gzip: a.gzip + f.gzip }), { bytes: 0, gzip: 0 });
  console.log(`dashboard built in ${path.relative(process.cwd(), dir) || dir}: ${files.map((f) => `${f.name} ${f.bytes} B`).join(', ')} (${total.bytes} B, ${total.gzip} B gzipped)`);
}
