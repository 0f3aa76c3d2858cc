// The `dns-integration-domain-keywords` API extension (a shim): dns_domain may hold the
// keywords <project_id>, <project_name>, <user_id> and <user_name> as labels
// (../dns-domain.ts). Neutron replaces them with the request's values only in the domain it
// sends to an external DNS service (Designate); Neutrino has no external DNS driver, so the
// keywords are accepted and stored, and nothing expands them.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const dnsIntegrationDomainKeywordsExtension: ExtensionDef = {
  alias: 'dns-integration-domain-keywords',
  name: 'DNS domain names with keywords allowed',
  description: 'Allows to use keywords like <project_id>, <project_name>, <user_id> and <user_name> as DNS domain name',
  updated: '2020-06-15T18:00:00-00:00',
  requires: ['dns-integration', 'dns-domain-ports'],
};
