// The reconcilers `neutrino agent` runs, in this order (one line each; see
// src/agent/reconciler.ts for the interface and ARCHITECTURE.md "The host agent").
import type { ReconcilerFactory } from './reconciler.ts';
import { l2 } from './l2/l2.ts';
import { dhcp } from './dhcp/dhcp.ts';
import { l3 } from './l3/reconciler.ts';
import { firewall } from './firewall/reconciler.ts';
import { verify } from './verify/verifier.ts';

export const RECONCILERS: ReconcilerFactory[] = [l2, dhcp, l3, firewall, verify];
