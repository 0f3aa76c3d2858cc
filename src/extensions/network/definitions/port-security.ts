// The `port-security` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const portSecurityExtension: ExtensionDef = {
  alias: 'port-security',
  name: 'Port Security',
  description: 'Provides port security',
  updated: '2012-07-23T10:00:00-00:00',
  extendAttributes: {
    networks: { port_security_enabled: { type: 'boolean', allowPost: true, allowPut: true, default: true } },
    // A port's default is its network's value (filled by the port service).
    ports: { port_security_enabled: { type: 'boolean', allowPost: true, allowPut: true, enforcePolicy: true } },
  },
};
