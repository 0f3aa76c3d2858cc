// Trunks (`trunk`, `trunk-details`): a parent port carrying subports of other networks on
// their own VLANs. Realizing them on a dataplane is the backends' part.
import { defineFeature } from '../../framework/feature.ts';
import { trunkExtension } from './definitions/trunk.ts';
import { trunkDetailsExtension } from './definitions/trunk-details.ts';
import * as m0080 from './migrations/0080_trunks.ts';
import { trunkRules } from './policy.ts';
import { TrunkService } from './trunk-service.ts';
import { trunkWiring } from './wiring.ts';

export default defineFeature({
  name: 'trunk',
  after: ['network', 'port'],
  extensions: [trunkExtension, trunkDetailsExtension],
  migrations: { '0080_trunks': m0080 },
  policy: trunkRules,
  services: (deps) => ({ trunks: new TrunkService(deps) }),
  wiring: trunkWiring,
});
