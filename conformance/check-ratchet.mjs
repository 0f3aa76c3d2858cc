// The conformance ratchet: conformance/tempest-pass.txt lists (sorted) every Tempest test
// Neutrino has passed; once listed, a test must keep passing.
//
//   node conformance/check-ratchet.mjs [RESULTS]           fail, listing each listed test
//                                                          that no longer passes
//   node conformance/check-ratchet.mjs --update [RESULTS]  add newly passing tests (never
//                                                          removes one)
// RESULTS defaults to conformance/results/tempest-network.txt (written by run.sh).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readResults } from './results-file.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const passFile = path.join(here, 'tempest-pass.txt');
const args = process.argv.slice(2);
const update = args.includes('--update');
const resultsFile = args.find((a) => !a.startsWith('--')) ?? path.join(here, 'results', 'tempest-network.txt');

const readList = (file) =>
  fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')) : [];

const results = readResults(resultsFile);
const ratchet = readList(passFile);
const passing = [...results].filter(([, r]) => r.status === 'passed').map(([id]) => id);
const fresh = passing.filter((id) => !ratchet.includes(id));

if (update) {
  const merged = [...new Set([...ratchet, ...passing])].sort();
  fs.writeFileSync(passFile, merged.join('\n') + (merged.length ? '\n' : ''));
  console.log(`ratchet: ${fresh.length} newly passing test(s) added; ${merged.length} in ${path.relative(process.cwd(), passFile)}`);
  process.exit(0);
}

const regressed = ratchet.filter((id) => results.get(id)?.status !== 'passed');
for (const id of regressed) {
  const r = results.get(id);
  console.error(`REGRESSED ${id} — ${r ? `${r.status}: ${r.reason}` : 'not in the results'}`);
}
if (fresh.length) console.log(`ratchet: ${fresh.length} test(s) pass that tempest-pass.txt does not list yet (npm run conformance -- --update-ratchet)`);
if (regressed.length) {
  console.error(`ratchet: ${regressed.length} of ${ratchet.length} test(s) in tempest-pass.txt no longer pass`);
  process.exit(1);
}
console.log(`ratchet: all ${ratchet.length} test(s) in tempest-pass.txt still pass`);
