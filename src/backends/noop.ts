// The `noop` backend: nothing realizes anything. Ports stay DOWN with binding:vif_type
// `unbound` (Neutrino's behaviour before backends existed); external agents may still
// watch the feed and report status through the API.
// QoS: noop enforces nothing itself and refuses nothing either — it declares every rule
// type Neutrino validates, so the whole QoS API is usable (an agent watching the feed may
// enforce the rules); a driver for a real dataplane declares only what that dataplane does.
import type { BackendDriver, PortBinding } from './driver.ts';

export class NoopDriver implements BackendDriver {
  readonly name = 'noop';
  readonly capabilities = {
    qosRuleTypes: ['bandwidth_limit', 'dscp_marking', 'minimum_bandwidth', 'packet_rate_limit', 'minimum_packet_rate'],
    vifTypes: ['unbound'],
  };

  bindPort(): PortBinding {
    return { vifType: 'unbound', vifDetails: {} };
  }
}
