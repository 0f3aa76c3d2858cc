#!/usr/bin/env node
// The `neutrino` command (package.json `bin`, `npm start`, `npx neutrino`): runs the compiled
// CLI in dist/, compiling the TypeScript sources first only when dist/ is missing or older
// than a source (bin/build.mjs), so an unchanged checkout starts without running tsc.
import { pathToFileURL } from 'node:url';
import { ensureBuilt, entry } from './build.mjs';

await ensureBuilt();
await import(pathToFileURL(entry).href);
