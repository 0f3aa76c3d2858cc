// The protocols a conntrack helper rule may match and the helpers Neutron allows by default.
// Protocols: neutron-lib's IPTABLES_PROTOCOL_MAP names. Neutron's converter passes numbers
// and other spellings through unchanged, so its `type:values` check refuses them: only
// these lower-case names are accepted.

export const PROTOCOLS = ['dccp', 'icmp', 'ipv6-icmp', 'sctp', 'tcp', 'udp'] as const;

/**
 * Neutron's default `allowed_conntrack_helpers` (neutron/conf/services/conntrack_helper.py):
 * helper → the protocols it supports. Not configurable in Neutrino yet.
 */
export const ALLOWED_HELPERS: Readonly<Record<string, readonly string[]>> = {
  amanda: ['tcp'],
  ftp: ['tcp'],
  h323: ['udp', 'tcp'],
  irc: ['tcp'],
  'netbios-ns': ['udp'],
  pptp: ['tcp'],
  sane: ['tcp'],
  sip: ['udp', 'tcp'],
  snmp: ['udp'],
  tftp: ['udp'],
};
