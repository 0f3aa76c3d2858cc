// Conntrack helpers of routers (Neutron's l3-conntrack-helper): a router sub-resource
// naming a netfilter helper for a protocol and port; routers show them
// (expose-l3-conntrack-helper).
import { defineFeature } from '../../framework/feature.ts';
import { l3ConntrackHelper } from './definitions/l3-conntrack-helper.ts';
import { exposeL3ConntrackHelper } from './definitions/expose-l3-conntrack-helper.ts';
import * as m0090 from './migrations/0090_conntrack_helpers.ts';
import { conntrackHelperRules } from './policy.ts';
import { ConntrackHelperService } from './conntrack-helper-service.ts';
import { conntrackHelperWiring } from './wiring.ts';

export default defineFeature({
  name: 'l3-conntrack-helper',
  after: ['l3'],
  extensions: [l3ConntrackHelper, exposeL3ConntrackHelper],
  migrations: { '0090_conntrack_helpers': m0090 },
  policy: conntrackHelperRules,
  services: (deps) => ({ conntrackHelpers: new ConntrackHelperService(deps) }),
  wiring: conntrackHelperWiring,
});
