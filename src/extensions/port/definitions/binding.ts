// The `binding` API extension.
import type { AttributeDef, ExtensionDef } from '../../../framework/definitions.ts';

export const VNIC_TYPES = [
  'normal',
  'direct',
  'macvtap',
  'baremetal',
  'direct-physical',
  'virtio-forwarder',
  'smart-nic',
  'vdpa',
  'remote-managed',
  'accelerator-direct',
  'accelerator-direct-physical',
] as const;

const bindingAttributes: Record<string, AttributeDef> = {
  'binding:host_id': { type: 'string', allowPost: true, allowPut: true, default: '', maxLength: 255, enforcePolicy: true },
  'binding:vnic_type': { type: 'string', allowPost: true, allowPut: true, default: 'normal', enum: VNIC_TYPES, enforcePolicy: true },
  'binding:profile': { type: 'dict', allowPost: true, allowPut: true, default: {}, enforcePolicy: true, filter: false },
  'binding:vif_type': { type: 'string', enforcePolicy: true },
  'binding:vif_details': { type: 'dict', enforcePolicy: true, filter: false },
};

export const bindingExtension: ExtensionDef = {
  alias: 'binding',
  name: 'Port Binding',
  description: 'Expose port bindings of a virtual port to external application',
  updated: '2014-02-03T10:00:00-00:00',
  extendAttributes: { ports: bindingAttributes },
};
