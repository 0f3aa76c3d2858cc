// Neutron's `router-admin-state-down-before-update` (a shim: it announces behaviour): a
// router's `distributed` attribute changes only while the router is down both before and
// after the update.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const routerAdminStateDownBeforeUpdate: ExtensionDef = {
  alias: 'router-admin-state-down-before-update',
  name: "Enforce Router's Admin State Down Before Update Extension",
  description: 'Ensure that the admin state of a router is DOWN (admin_state_up=False) before updating the distributed attribute',
  updated: '2019-07-02T15:56:00',
  requires: ['router', 'dvr'],
};
