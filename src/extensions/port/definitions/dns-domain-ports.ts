// The `dns-domain-ports` API extension: a port's own dns_domain, the zone an external DNS
// service would publish its dns_name in (instead of its network's dns_domain). Stored as
// given, lower-case; dns_assignment keeps the internal domain (Neutron's as well, unless
// an external DNS driver is configured, which Neutrino does not have).
import type { ExtensionDef } from '../../../framework/definitions.ts';
import { dnsDomainProblem } from '../dns-domain.ts';

export const dnsDomainPortsExtension: ExtensionDef = {
  alias: 'dns-domain-ports',
  name: 'dns_domain for ports',
  description: 'Allows the DNS domain to be specified for a network port.',
  updated: '2017-04-24T10:00:00-00:00',
  requires: ['dns-integration'],
  extendAttributes: {
    ports: {
      dns_domain: { type: 'string', allowPost: true, allowPut: true, default: '', maxLength: 255, convert: (v: string) => v.toLowerCase(), validate: (v: string) => dnsDomainProblem(v.toLowerCase()) },
    },
  },
};
