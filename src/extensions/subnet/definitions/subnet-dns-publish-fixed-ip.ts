// The `subnet-dns-publish-fixed-ip` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const subnetDnsPublishFixedIpExtension: ExtensionDef = {
  alias: 'subnet-dns-publish-fixed-ip',
  name: 'Subnet DNS publish fixed IP',
  description: 'Support choosing to publish DNS records for IPs from a subnet',
  updated: '2019-07-05T00:00:00-00:00',
  requires: ['dns-integration'],
  extendAttributes: { subnets: { dns_publish_fixed_ip: { type: 'boolean', allowPost: true, allowPut: true, default: false } } },
};
