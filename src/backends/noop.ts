// The `noop` backend: nothing realizes anything. Ports stay DOWN with binding:vif_type
// `unbound` (Neutrino's behaviour before backends existed); external agents may still
// watch the feed and report status through the API.
import type { BackendDriver, PortBinding } from './driver.ts';

export class NoopDriver implements BackendDriver {
  readonly name = 'noop';
  readonly capabilities = { qosRuleTypes: [], vifTypes: ['unbound'] };

  bindPort(): PortBinding {
    return { vifType: 'unbound', vifDetails: {} };
  }
}
