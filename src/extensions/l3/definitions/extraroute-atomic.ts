// The `extraroute-atomic` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const extrarouteAtomicExtension: ExtensionDef = {
  alias: 'extraroute-atomic',
  name: 'Atomically add/remove extra routes',
  description: 'Edit extra routes of a router on server side by atomically adding/removing extra routes',
  updated: '2019-07-10T00:00:00-00:00',
  requires: ['extraroute'],
};
