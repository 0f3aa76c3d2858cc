// What dnsmasq is told for one network: command-line arguments, the options file and one
// host file per port (--dhcp-hostsdir). Pure functions, so they are unit-testable.
// IPv6 as Neutron's dnsmasq driver: a static DHCPv6 range for dhcpv6-stateful and
// dhcpv6-stateless subnets (and v6 subnets with neither mode, Neutron's older default), none
// for slaac; a port's host line carries its stateful addresses (`[2001:db8::5]`), matched by
// MAC (dnsmasq reads the client's MAC on a directly connected link, whatever its DUID); a
// stateless client gets DNS and domain only (Information-Request). No RAs here: the router
// sends them (src/agent/l3/advertise.ts).
import ipaddr from 'ipaddr.js';

export interface DhcpSubnet {
  id: string;
  cidr: string;
  ip_version: number;
  gateway_ip: string | null;
  dns_nameservers: string[];
  host_routes: { destination: string; nexthop: string }[];
  enable_dhcp: boolean;
  ipv6_address_mode?: string | null;
  ipv6_ra_mode?: string | null;
}

/** Whether dnsmasq serves the subnet (Neutron's rule: v4, and v6 unless SLAAC alone configures it). */
export function servesSubnet(s: DhcpSubnet): boolean {
  if (!s.enable_dhcp) return false;
  if (s.ip_version === 4) return true;
  const addr = s.ipv6_address_mode ?? null;
  return addr === 'dhcpv6-stateful' || addr === 'dhcpv6-stateless' || (!addr && !s.ipv6_ra_mode);
}

/** A v6 subnet whose addresses DHCPv6 hands out (not the stateless mode, where SLAAC does). */
const statefulV6 = (s: DhcpSubnet) => s.ip_version === 6 && s.ipv6_address_mode !== 'dhcpv6-stateless';

export interface DhcpPort {
  id: string;
  mac_address: string;
  fixed_ips: { subnet_id: string; ip_address: string }[];
  dns_name?: string;
  /** The server's DNS names per address (dns-integration): hostname and fqdn. */
  dns_assignment?: { hostname: string; ip_address: string; fqdn: string }[];
  device_owner?: string;
  extra_dhcp_opts?: { opt_name: string; opt_value: string; ip_version?: number }[];
}

export const subnetTag = (subnetId: string) => `subnet-${subnetId}`;
export const portTag = (portId: string) => `port-${portId}`;

/** The DNS domain the server gives the ports (fqdn minus hostname, no trailing dot), as Neutron's dnsmasq gets its dns_domain. */
export function dnsDomainOf(ports: DhcpPort[]): string | null {
  for (const p of ports) {
    for (const a of p.dns_assignment ?? []) {
      const domain = a.fqdn.startsWith(`${a.hostname}.`) ? a.fqdn.slice(a.hostname.length + 1).replace(/\.$/, '') : '';
      if (domain) return domain;
    }
  }
  return null;
}

/** Neutron's default hostname for an address: host-10-0-0-5. */
export const defaultHostname = (ip: string) => `host-${ip.replace(/[.:]/g, '-')}`;

export interface DnsmasqFiles {
  args: string[];
  /** The subnets' options (--dhcp-optsfile: a change restarts dnsmasq). */
  opts: string;
  /** File name (port id) → content, for --dhcp-hostsdir and --dhcp-optsdir (a port's extra_dhcp_opts): dnsmasq reads new files there without a signal. */
  hosts: Map<string, string>;
  portOpts: Map<string, string>;
}

/** dnsmasq's lease table size: every address of the served subnets, capped as Neutron's dnsmasq_lease_max (2^24); it changes only with the subnets, never with the ports, so a new port restarts nothing. */
function leaseMax(subnets: DhcpSubnet[]): number {
  let total = 0n;
  for (const s of subnets) total += 1n << BigInt((s.ip_version === 4 ? 32 : 128) - Number(s.cidr.split('/')[1]));
  return Number(total < 1n << 24n ? total : 1n << 24n);
}

export function dnsmasqFiles(options: {
  network: { id: string; mtu: number };
  subnets: DhcpSubnet[];
  ports: DhcpPort[];
  dhcpPort: { ip_by_subnet: Map<string, string> };
  interfaceName: string;
  dir: string;
  metadata: boolean;
  leaseSeconds?: number;
}): DnsmasqFiles {
  const { network, dir } = options;
  const served = options.subnets.filter(servesSubnet).sort((a, b) => a.id.localeCompare(b.id));
  const v4 = served.filter((s) => s.ip_version === 4);
  // dnsmasq refuses a DHCPv6 range shorter than /64 ("prefix length must be at least 64"),
  // which would stop the whole network's DHCP: such a subnet is not served (Neutron warns).
  const v6 = served.filter((s) => s.ip_version === 6 && Number(s.cidr.split('/')[1]) >= 64);
  const byId = new Map([...v4, ...v6].map((s) => [s.id, s]));
  const args = [
    '--no-hosts',
    '--no-resolv',
    '--port=0',
    '--conf-file=/dev/null',
    `--pid-file=${dir}/pid`,
    `--dhcp-hostsdir=${dir}/host`,
    `--dhcp-optsfile=${dir}/opts`,
    `--dhcp-optsdir=${dir}/portopts`,
    '--leasefile-ro',
    '--dhcp-authoritative',
    `--interface=${options.interfaceName}`,
    '--bind-interfaces',
    '--except-interface=lo',
    `--dhcp-lease-max=${leaseMax([...v4, ...v6])}`,
  ];
  // The domain (DHCP option 15) and each port's hostname (option 12) come from dns_assignment.
  const domain = dnsDomainOf(options.ports);
  if (domain) args.push(`--domain=${domain}`);
  const lines: string[] = [];
  for (const s of v4) {
    const [addr, len] = ipaddr.parseCIDR(s.cidr);
    const mask = ipaddr.IPv4.subnetMaskFromPrefixLength(len).toString();
    const network4 = ipaddr.IPv4.networkAddressFromCIDR(`${addr.toString()}/${len}`).toString();
    // Static: only the ports' fixed addresses are answered (no dynamic range).
    args.push(`--dhcp-range=set:${subnetTag(s.id)},${network4},static,${mask},${options.leaseSeconds ?? 86400}s`);
    const tag = `tag:${subnetTag(s.id)}`;
    const routes: string[] = [];
    const dhcpIp = options.dhcpPort.ip_by_subnet.get(s.id);
    if (options.metadata && dhcpIp) routes.push(`169.254.169.254/32,${dhcpIp}`);
    for (const r of s.host_routes ?? []) if (!r.destination.includes(':')) routes.push(`${r.destination},${r.nexthop}`);
    if (s.gateway_ip) {
      lines.push(`${tag},option:router,${s.gateway_ip}`);
      // With option 121 clients ignore option 3: the default route goes in it as well.
      if (routes.length) routes.push(`0.0.0.0/0,${s.gateway_ip}`);
    } else {
      lines.push(`${tag},option:router`);
    }
    if (routes.length) lines.push(`${tag},option:classless-static-route,${routes.join(',')}`);
    const dns = (s.dns_nameservers ?? []).filter((d) => !d.includes(':'));
    if (dns.length) lines.push(`${tag},option:dns-server,${dns.join(',')}`);
    lines.push(`${tag},option:mtu,${network.mtu}`);
  }
  for (const s of v6) {
    const [addr, len] = ipaddr.parseCIDR(s.cidr);
    const network6 = ipaddr.IPv6.networkAddressFromCIDR(`${addr.toString()}/${len}`).toString();
    args.push(`--dhcp-range=set:${subnetTag(s.id)},${network6},static,${len},${options.leaseSeconds ?? 86400}s`);
    const tag = `tag:${subnetTag(s.id)}`;
    const dns = (s.dns_nameservers ?? []).filter((d) => d.includes(':'));
    if (dns.length) lines.push(`${tag},option6:dns-server,${dns.map((d) => `[${d}]`).join(',')}`);
    if (domain) lines.push(`${tag},option6:domain-search,${domain}`);
  }
  const hosts = new Map<string, string>();
  const portOpts = new Map<string, string>();
  for (const p of [...options.ports].sort((a, b) => a.id.localeCompare(b.id))) {
    if (p.device_owner === 'network:dhcp') continue;
    const fixed = p.fixed_ips.filter((f) => byId.has(f.subnet_id));
    if (fixed.length === 0) continue;
    // One line per port: its first IPv4 address, every DHCPv6-assigned address, one hostname.
    const ip4 = fixed.find((f) => byId.get(f.subnet_id)!.ip_version === 4)?.ip_address;
    const ip6 = fixed.filter((f) => statefulV6(byId.get(f.subnet_id)!)).map((f) => f.ip_address);
    const first = ip4 ?? ip6[0] ?? fixed[0].ip_address;
    const hostname = p.dns_assignment?.find((a) => a.ip_address === first)?.hostname || p.dns_name || defaultHostname(first);
    const extra = p.extra_dhcp_opts ?? [];
    const tagPart = extra.length ? `,set:${portTag(p.id)}` : '';
    const addresses = [...(ip4 ? [ip4] : []), ...ip6.map((a) => `[${a}]`)].map((a) => `,${a}`).join('');
    hosts.set(p.id, `${p.mac_address}${tagPart}${addresses},${hostname}\n`);
    if (extra.length) portOpts.set(p.id, extra.map((o) => `${extraOption(p.id, o)}\n`).join(''));
  }
  return { args, opts: lines.length ? `${lines.join('\n')}\n` : '', hosts, portOpts };
}

/** An extra_dhcp_opts entry as an options-file line: `option:` for IPv4, `option6:` (addresses in brackets) for IPv6. */
function extraOption(portId: string, o: { opt_name: string; opt_value: string; ip_version?: number }): string {
  const v6 = Number(o.ip_version ?? 4) === 6;
  const space = v6 ? 'option6' : 'option';
  // A bare number stays a number for IPv4 (dnsmasq's form); IPv6 options always need the prefix.
  const name = /^\d+$/.test(o.opt_name) && !v6 ? o.opt_name : `${space}:${o.opt_name}`;
  const value = v6 ? o.opt_value.split(',').map((v) => (ipaddr.IPv6.isValid(v.trim()) && !v.includes('[') ? `[${v.trim()}]` : v)).join(',') : o.opt_value;
  return `tag:${portTag(portId)},${name},${value}`;
}
