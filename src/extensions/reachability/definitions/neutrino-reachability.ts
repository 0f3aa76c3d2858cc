// neutrino-reachability: Neutrino's own extension, not part of Neutron. POST
// /v2.0/reachability/explain answers whether traffic gets from a source (a port or an
// address outside the cloud) to a destination (a port, a fixed or floating IP, an external
// address), hop by hop, from the API's intent. Served by routes.ts; nothing is stored.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const neutrinoReachabilityExtension: ExtensionDef = {
  alias: 'neutrino-reachability',
  name: 'Neutrino reachability analysis',
  description: 'Explains whether traffic reaches a destination and, if not, what blocks it (Neutrino only, not part of Neutron).',
  updated: '2026-12-02T00:00:00-00:00',
};
