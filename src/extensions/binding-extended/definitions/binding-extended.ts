// The `binding-extended` API extension: /v2.0/ports/{port_id}/bindings, a port's bindings
// by host (one ACTIVE, the port's own binding:* attributes; others INACTIVE, as Nova
// prepares a live migration's destination) and PUT …/bindings/{host}/activate. Served by
// routes.ts (a binding's key is its host, not an id), behaviour in binding-service.ts.
import type { ExtensionDef } from '../../../framework/definitions.ts';
import type { ValueSpec } from '../../../foundation/validation.ts';
import { VNIC_TYPES } from '../../port/definitions/binding.ts';

export const bindingExtendedExtension: ExtensionDef = {
  alias: 'binding-extended',
  name: 'Port Bindings Extended',
  description: 'Expose port bindings of a virtual port to external application',
  updated: '2017-07-17T10:00:00-00:00',
  requires: ['binding'],
};

/** A binding's attributes a request may give (neutron-lib portbindings_extended), checked as attributes are. */
export const BINDING_REQUEST_ATTRIBUTES: Record<string, ValueSpec & { allowPut: boolean }> = {
  host: { type: 'string', maxLength: 255, allowPut: false, validate: (v: string) => (v === '' ? `'' is not a valid host` : undefined) },
  vnic_type: { type: 'string', enum: VNIC_TYPES, allowPut: true },
  profile: { type: 'dict', nullable: true, allowPut: true },
  project_id: { type: 'string', maxLength: 255, allowPut: false },
};

/** Filters a binding list accepts. */
export const BINDING_FILTERS = ['host', 'vif_type', 'vnic_type', 'status'];
