// Ports (core resource): MACs, fixed IPs through IPAM (../ipam/), bindings and port attributes.
import { defineFeature } from '../../framework/feature.ts';
import { portCore, portExtensions } from './definitions/port.ts';
import { portRules } from './policy.ts';
import { PortService } from './port-service.ts';

export default defineFeature({
  name: 'port',
  after: ['network', 'subnet'],
  extensions: [portCore, ...portExtensions],
  policy: portRules,
  services: (deps) => ({ ports: new PortService(deps) }),
});
