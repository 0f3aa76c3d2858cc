// The `dns-integration` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const dnsIntegrationExtension: ExtensionDef = {
  alias: 'dns-integration',
  name: 'DNS Integration',
  description: 'Provides integration with DNS.',
  updated: '2015-08-15T18:00:00-00:00',
  extendAttributes: {
    networks: { dns_domain: { type: 'string', allowPost: true, allowPut: true, default: '', maxLength: 255, validate: (v: string) => (v === '' || /^([a-z0-9-]+\.)*[a-z0-9-]+\.?$/i.test(v) ? undefined : `'${v}' is not a valid domain name`) } },
    ports: {
      dns_name: { type: 'string', allowPost: true, allowPut: true, default: '', maxLength: 255, validate: (v: string) => (v === '' || /^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.?$/i.test(v) ? undefined : `'${v}' is not a valid DNS name`) },
      dns_assignment: { type: 'list', storage: 'computed', filter: false },
    },
  },
};
