// The `data-plane-status` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const dataPlaneStatusExtension: ExtensionDef = {
  alias: 'data-plane-status',
  name: 'Port data plane status extension',
  description: 'Data plane status extension for ports',
  updated: '2017-04-10T10:00:00-00:00',
  extendAttributes: {
    ports: { data_plane_status: { type: 'string', allowPut: true, nullable: true, enum: ['ACTIVE', 'DOWN'], enforcePolicy: true } },
  },
};
