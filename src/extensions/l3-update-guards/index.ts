// Two L3 behaviour aliases (no resources of their own): routers change `distributed` only
// while down (router-admin-state-down-before-update), and router interface ports keep their
// IPv4 addresses (l3-port-ip-change-not-allowed).
import { defineFeature } from '../../framework/feature.ts';
import { routerAdminStateDownBeforeUpdate } from './definitions/router-admin-state-down-before-update.ts';
import { l3PortIpChangeNotAllowed } from './definitions/l3-port-ip-change-not-allowed.ts';
import { l3GuardWiring } from './wiring.ts';

export default defineFeature({
  name: 'l3-update-guards',
  after: ['l3'],
  extensions: [routerAdminStateDownBeforeUpdate, l3PortIpChangeNotAllowed],
  wiring: l3GuardWiring,
});
