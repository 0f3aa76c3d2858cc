// Reading the results files format-results.py writes (and the reference statuses of a
// real Neutron, which use the same "<status> <test id>" shape).
import fs from 'node:fs';

const NORMAL = { passed: 'passed', success: 'passed', ok: 'passed', failed: 'failed', failure: 'failed', fail: 'failed', skipped: 'skipped', skip: 'skipped' };

/** Test id -> { status: passed|failed|skipped, reason } */
export function readResults(file) {
  const results = new Map();
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^(\w+)\s+(setUpClass \(\S+\)|tearDownClass \(\S+\)|\S+)(?: — (.*))?$/.exec(line);
    if (m && NORMAL[m[1]]) results.set(m[2], { status: NORMAL[m[1]], reason: m[3] ?? '' });
  }
  return results;
}

/** The wall-time comment format-results.py writes, e.g. "wall time: 612 s (10m12s)". */
export function readWallTime(file) {
  const m = /wall time: ([^\n]+)/.exec(fs.readFileSync(file, 'utf8'));
  return m ? m[1].trim() : 'unknown';
}
