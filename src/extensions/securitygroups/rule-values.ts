// Conversion, validation and identity of security group rule values, as Neutron does
// them: protocol names and numbers, ethertypes, port ranges per protocol, remote IP
// prefixes (as given, plus their normalized network form) and the duplicate key.
import { display } from '../../foundation/validation.ts';
import ipaddr from 'ipaddr.js';
import { NeutronError } from '../../foundation/errors.ts';
import type { Item } from '../../framework/repository.ts';

/** Neutron's IP_PROTOCOL_MAP: the names a rule's protocol may be given by. */
const PROTOCOL_NUMBERS: Record<string, number> = {
  ah: 51,
  dccp: 33,
  egp: 8,
  esp: 50,
  gre: 47,
  hopopt: 0,
  icmp: 1,
  igmp: 2,
  ip: 0,
  ipip: 4,
  'ipv6-encap': 41,
  'ipv6-frag': 44,
  'ipv6-icmp': 58,
  icmpv6: 58,
  'ipv6-nonxt': 59,
  'ipv6-opts': 60,
  'ipv6-route': 43,
  ospf: 89,
  pgm: 113,
  rsvp: 46,
  sctp: 132,
  tcp: 6,
  udp: 17,
  udplite: 136,
  vrrp: 112,
};

const ETHERTYPES = ['IPv4', 'IPv6'] as const;

/** Protocols whose rules take a port range (TCP-like). */
const PORT_PROTOCOLS = [6, 17, 33, 132, 136];
const PORT_PROTOCOL_NAMES = 'DCCP, SCTP, TCP, UDP, UDPLITE';
const ICMP_PROTOCOLS = [1, 58];
/** Protocols that only exist over IPv6 (refused with ethertype IPv4). */
const IPV6_ONLY = new Set(['ipv6-encap', 'ipv6-frag', 'ipv6-icmp', 'icmpv6', 'ipv6-nonxt', 'ipv6-opts', 'ipv6-route', '41', '44', '58', '59', '60', '43']);

const invalid = (type: string, message: string) => new NeutronError(400, type, message);

/** Neutron's convert_protocol: null/'any' → null, 0-255 → its string, a known name → lower case. */
function convertProtocol(value: unknown): string | null {
  if (value === null || value === undefined || value === 'any') return null;
  const supported = `[None, 'any', ${Object.keys(PROTOCOL_NUMBERS).map((p) => `'${p}'`).join(', ')}]`;
  const refuse = () => invalid('SecurityGroupRuleInvalidProtocol', `Security group rule protocol ${display(value)} not supported. Only protocol values ${supported} and integer representations [0 to 255] are supported.`);
  if (typeof value === 'number' || (typeof value === 'string' && /^\d+$/.test(value))) {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0 || n > 255) throw refuse();
    return String(n);
  }
  if (typeof value === 'string' && value.toLowerCase() in PROTOCOL_NUMBERS) return value.toLowerCase();
  throw refuse();
}

export function protocolNumber(protocol: string | null): number | null {
  if (protocol === null) return null;
  return PROTOCOL_NUMBERS[protocol] ?? Number(protocol);
}

function convertEthertype(value: unknown): string {
  if (typeof value === 'string') {
    const found = ETHERTYPES.find((e) => e.toLowerCase() === value.toLowerCase());
    if (found) return found;
  }
  throw invalid('SecurityGroupRuleInvalidEtherType', `Security group rule for ethertype '${display(value)}' not supported. Allowed values are ['IPv4', 'IPv6'].`);
}

/** Neutron's convert_ip_prefix_to_cidr: an address gets its full-length mask; host bits are kept. */
export function convertIpPrefix(value: unknown): { prefix: string; version: 4 | 6; normalized: string } | null {
  if (value === null || value === undefined || value === '') return null;
  const refuse = () => invalid('InvalidCIDR', `Invalid CIDR ${display(value)} given as IP prefix.`);
  if (typeof value !== 'string') throw refuse();
  const slash = value.indexOf('/');
  const addrText = slash < 0 ? value : value.slice(0, slash);
  if (!ipaddr.isValid(addrText)) throw refuse();
  const addr = ipaddr.parse(addrText);
  if (addr.kind() === 'ipv4' && !ipaddr.IPv4.isValidFourPartDecimal(addrText)) throw refuse();
  const max = addr.kind() === 'ipv4' ? 32 : 128;
  const lenText = slash < 0 ? String(max) : value.slice(slash + 1);
  if (!/^\d+$/.test(lenText) || Number(lenText) > max) throw refuse();
  const len = Number(lenText);
  const network = addr.kind() === 'ipv4' ? ipaddr.IPv4.networkAddressFromCIDR(`${addr}/${len}`) : ipaddr.IPv6.networkAddressFromCIDR(`${addr}/${len}`);
  return { prefix: `${addr.toString()}/${len}`, version: addr.kind() === 'ipv4' ? 4 : 6, normalized: `${network.toString()}/${len}` };
}

function checkPort(value: unknown): number | null {
  if (value === null || value === undefined) return null;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw invalid('SecurityGroupInvalidPortValue', `Invalid value for port ${display(value)}`);
  return n;
}

/**
 * Converts and validates a rule's values in place (everything but the references to
 * other resources), in Neutron's order; sets normalized_cidr.
 */
export function normalizeRule(rule: Item): void {
  rule.ethertype = convertEthertype(rule.ethertype);
  rule.protocol = convertProtocol(rule.protocol);
  rule.port_range_min = checkPort(rule.port_range_min);
  rule.port_range_max = checkPort(rule.port_range_max);
  // Legacy IPv6 ICMP names and number become ipv6-icmp / 58.
  if (rule.ethertype === 'IPv6') {
    if (rule.protocol === 'icmp' || rule.protocol === 'icmpv6') rule.protocol = 'ipv6-icmp';
    else if (rule.protocol === '1') rule.protocol = '58';
  }
  // The whole port range means no range.
  if (rule.port_range_min === 1 && rule.port_range_max === 65535) rule.port_range_min = rule.port_range_max = null;
  checkPortRange(rule);
  const prefix = convertIpPrefix(rule.remote_ip_prefix);
  rule.remote_ip_prefix = prefix?.prefix ?? null;
  rule.normalized_cidr = prefix?.normalized ?? null;
  if (prefix && rule.ethertype !== `IPv${prefix.version}`) {
    throw invalid('SecurityGroupRuleParameterConflict', `Conflicting value ethertype ${rule.ethertype} for CIDR ${prefix.prefix}`);
  }
  if (rule.protocol !== null && IPV6_ONLY.has(rule.protocol) && rule.ethertype === 'IPv4') {
    throw invalid('SecurityGroupEthertypeConflictWithProtocol', `Invalid ethertype ${rule.ethertype} for protocol ${rule.protocol}.`);
  }
  const remotes = [rule.remote_ip_prefix, rule.remote_group_id, rule.remote_address_group_id].filter((r) => r !== null && r !== undefined);
  if (remotes.length > 1) {
    throw invalid('SecurityGroupMultipleRemoteEntites', 'Only one of remote_ip_prefix or remote_group_id or remote_address_group_id may be provided.');
  }
}

function checkPortRange(rule: Item): void {
  const { port_range_min: min, port_range_max: max } = rule;
  if (min === null && max === null) return;
  if (rule.protocol === null) throw invalid('SecurityGroupProtocolRequiredWithPorts', 'Must also specify protocol if port range is given.');
  const proto = protocolNumber(rule.protocol)!;
  if (PORT_PROTOCOLS.includes(proto)) {
    if (min === 0 || max === 0) throw invalid('SecurityGroupInvalidPortValue', 'Invalid value for port 0');
    if (min === null || max === null || min > max) throw invalid('SecurityGroupInvalidPortRange', 'For TCP/UDP protocols, port_range_min must be <= port_range_max');
  } else if (ICMP_PROTOCOLS.includes(proto)) {
    for (const [attr, field] of [
      ['port_range_min', 'type'],
      ['port_range_max', 'code'],
    ] as const) {
      const v = rule[attr];
      if (v !== null && (v < 0 || v > 255)) throw invalid('SecurityGroupInvalidIcmpValue', `Invalid value for ICMP ${field} (${attr}) ${v}. It must be 0 to 255.`);
    }
    if (min === null && max !== null) throw invalid('SecurityGroupMissingIcmpType', `ICMP code (port-range-max) ${max} is provided but ICMP type (port-range-min) is missing.`);
  } else {
    throw invalid('SecurityGroupInvalidProtocolForPort', `Ports cannot be specified for protocol ${proto}. Ports are only supported for ${PORT_PROTOCOL_NAMES}.`);
  }
}

/**
 * The identity Neutron compares rules by (its _rule_to_key): protocols by number, an
 * any-address prefix the same as none; description does not count.
 */
export function ruleFingerprint(rule: Item): string {
  const any = ['0.0.0.0/0', '::/0'];
  const prefix = rule.remote_ip_prefix === null || any.includes(rule.remote_ip_prefix) ? null : rule.remote_ip_prefix;
  return [
    rule.security_group_id,
    rule.direction,
    rule.ethertype,
    protocolNumber(rule.protocol),
    rule.port_range_min,
    rule.port_range_max,
    rule.remote_group_id,
    rule.remote_address_group_id ?? null,
    prefix,
  ]
    .map((v) => (v === null || v === undefined ? '+' : String(v)))
    .join('|');
}
