// Load generator of bench/resilience.ts, run as its own process so that its CPU use does
// not delay the measuring client's timers:
//   node bench/resilience-load.mjs <clients> <seconds> <url> <body-file> [header=value ...]
// Loops POST <url> with the body on <clients> concurrent clients for <seconds>, then
// prints the answers counted by status as JSON.
import fs from 'node:fs';

const [clients, seconds, url, bodyFile, ...headerArgs] = process.argv.slice(2);
const body = fs.readFileSync(bodyFile);
const headers = { 'content-type': 'application/json', ...Object.fromEntries(headerArgs.map((h) => h.split(/=(.*)/s).slice(0, 2))) };
const until = Date.now() + Number(seconds) * 1000;
const hard = AbortSignal.timeout(Number(seconds) * 1000 + 2000);
const counts = {};
await Promise.all(
  Array.from({ length: Number(clients) }, async () => {
    while (Date.now() < until && !hard.aborted) {
      try {
        const res = await fetch(url, { method: 'POST', headers, body, signal: hard });
        await res.arrayBuffer();
        counts[res.status] = (counts[res.status] ?? 0) + 1;
      } catch {
        counts.error = (counts.error ?? 0) + 1;
      }
    }
  }),
);
process.stdout.write(JSON.stringify(counts));
