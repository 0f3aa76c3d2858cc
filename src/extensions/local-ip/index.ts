// Local IPs (Neutron's local_ip): node-local virtual IPs and the ports associated with them.
import { defineFeature } from '../../framework/feature.ts';
import { localIp } from './definitions/local_ip.ts';
import * as m0092 from './migrations/0092_local_ips.ts';
import { localIpRules } from './policy.ts';
import { LocalIpService } from './local-ip-service.ts';
import { localIpAssociationRoutes } from './routes.ts';
import { localIpWiring } from './wiring.ts';

export default defineFeature({
  name: 'local-ip',
  after: ['network', 'port', 'subnet'],
  extensions: [localIp],
  migrations: { '0092_local_ips': m0092 },
  policy: localIpRules,
  services: (deps) => ({ localIps: new LocalIpService(deps) }),
  wiring: localIpWiring,
  routes: [localIpAssociationRoutes],
});
