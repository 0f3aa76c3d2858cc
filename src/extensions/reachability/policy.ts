// Who may ask for an explanation: any reader of a project (the answer shows only what the
// caller may see; the rest is named generically), and admins. Neutrino's own rule: Neutron
// has no such action.
import { ADMIN_OR_READER, ADMIN } from '../../policy/defaults.ts';

export const reachabilityRules: Record<string, string> = {
  explain_reachability: ADMIN_OR_READER,
  // verify reads the dataplane of the hosts on the path (hosts, devices, chains): admins only.
  verify_reachability: ADMIN,
};
