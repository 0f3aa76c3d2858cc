// Whether the tests that talk to a real ovsdb-server can run here.
import { execFileSync } from 'node:child_process';

/** Why a real ovsdb-server cannot be started here, or false. */
export function ovsdbServerMissing(): string | false {
  try {
    execFileSync('ovsdb-server', ['--version']);
    return false;
  } catch {
    return 'ovsdb-server is not installed (Debian: ovn-central)';
  }
}
