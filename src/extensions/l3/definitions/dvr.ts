// The `dvr` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const dvrExtension: ExtensionDef = {
  alias: 'dvr',
  name: 'Distributed Virtual Router',
  description: 'Enables configuration of Distributed Virtual Routers.',
  updated: '2014-06-1T10:00:00-00:00',
  requires: ['router'],
  extendAttributes: { routers: { distributed: { type: 'boolean', allowPost: true, allowPut: true, default: false, enforcePolicy: true } } },
};
