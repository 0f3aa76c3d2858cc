// Neutron's `floating-ip-port-forwarding-port-ranges`: a port forwarding maps a range of
// external ports (`external_port_range`, "80:90") to a range of the same length or to one
// internal port (`internal_port_range`). A single port and a range of the same side are
// mutually exclusive; single ports become optional (one of the two forms is needed).
import type { AttributeDef, ExtensionDef } from '../../../framework/definitions.ts';
import { parsePortRange } from '../port-ranges.ts';

const RANGE: AttributeDef = {
  type: 'any',
  allowPost: true,
  allowPut: true,
  nullable: true,
  default: null,
  storage: 'computed',
  sort: false,
  validate: (value) => parsePortRange(value).reason,
  convert: (value) => (value === null ? null : String(value)),
};
const SINGLE: AttributeDef = { type: 'integer', allowPost: true, allowPut: true, nullable: true, default: null, min: 1, max: 65535 };
/** The last port of a range (the first is external_port / internal_port). */
const END: AttributeDef = { type: 'integer', visible: false, filter: false, sort: false };

export const floatingIpPortForwardingPortRangesExtension: ExtensionDef = {
  alias: 'floating-ip-port-forwarding-port-ranges',
  name: 'Floating IP Port Forwarding support port ranges',
  description: 'Add suport to port ranges', // sic, as the real service lists it
  updated: '2020-07-01T10:00:00-00:00',
  requires: ['floating-ip-port-forwarding'],
  extendAttributes: {
    port_forwardings: {
      external_port_range: { ...RANGE },
      internal_port_range: { ...RANGE, filter: false },
      external_port: SINGLE,
      internal_port: SINGLE,
      external_port_end: END,
      internal_port_end: END,
    },
  },
};
