// Ports (core resource): MACs, fixed IPs through IPAM (../ipam/), bindings and port attributes.
import { defineFeature } from '../../framework/feature.ts';
import { portRules } from './policy.ts';
import { PortService } from './port-service.ts';
import { portExtension } from './definitions/port.ts';
import { bindingExtension } from './definitions/binding.ts';
import { allowedAddressPairsExtension } from './definitions/allowed-address-pairs.ts';
import { extraDhcpOptExtension } from './definitions/extra_dhcp_opt.ts';
import { portMacAddressRegenerateExtension } from './definitions/port-mac-address-regenerate.ts';
import { ipSubstringFilteringExtension } from './definitions/ip-substring-filtering.ts';
import { ipAllocationExtension } from './definitions/ip_allocation.ts';
import { uplinkStatusPropagationExtension } from './definitions/uplink-status-propagation.ts';
import { dataPlaneStatusExtension } from './definitions/data-plane-status.ts';
import { portDeviceProfileExtension } from './definitions/port-device-profile.ts';
import { portNumaAffinityPolicyExtension } from './definitions/port-numa-affinity-policy.ts';
import { portMacOverrideExtension } from './definitions/port-mac-override.ts';
import { tagPortsDuringBulkCreationExtension } from './definitions/tag-ports-during-bulk-creation.ts';
import { dnsDomainPortsExtension } from './definitions/dns-domain-ports.ts';
import { dnsIntegrationDomainKeywordsExtension } from './definitions/dns-integration-domain-keywords.ts';
import * as m0093 from './migrations/0093_port_device_attributes.ts';
import * as m0095 from './migrations/0095_port_dns_domain.ts';

export default defineFeature({
  name: 'port',
  after: ['network', 'subnet'],
  extensions: [portExtension, bindingExtension, allowedAddressPairsExtension, extraDhcpOptExtension, portMacAddressRegenerateExtension, ipSubstringFilteringExtension, ipAllocationExtension, uplinkStatusPropagationExtension, dataPlaneStatusExtension,
    portDeviceProfileExtension, portNumaAffinityPolicyExtension, portMacOverrideExtension, tagPortsDuringBulkCreationExtension,
    dnsDomainPortsExtension, dnsIntegrationDomainKeywordsExtension],
  migrations: { '0093_port_device_attributes': m0093, '0095_port_dns_domain': m0095 },
  policy: portRules,
  services: (deps) => ({ ports: new PortService(deps) }),
});
