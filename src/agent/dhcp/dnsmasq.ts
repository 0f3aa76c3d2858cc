// What dnsmasq is told for one network: command-line arguments, the options file and one
// host file per port (--dhcp-hostsdir). Pure functions, so they are unit-testable.
import ipaddr from 'ipaddr.js';

export interface DhcpSubnet {
  id: string;
  cidr: string;
  ip_version: number;
  gateway_ip: string | null;
  dns_nameservers: string[];
  host_routes: { destination: string; nexthop: string }[];
  enable_dhcp: boolean;
}

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
  opts: string;
  /** File name (port id) → content. */
  hosts: Map<string, string>;
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
  const v4 = options.subnets.filter((s) => s.enable_dhcp && s.ip_version === 4).sort((a, b) => a.id.localeCompare(b.id));
  const v4ids = new Set(v4.map((s) => s.id));
  const args = [
    '--no-hosts',
    '--no-resolv',
    '--port=0',
    '--conf-file=/dev/null',
    `--pid-file=${dir}/pid`,
    `--dhcp-hostsdir=${dir}/host`,
    `--dhcp-optsfile=${dir}/opts`,
    '--leasefile-ro',
    '--dhcp-authoritative',
    `--interface=${options.interfaceName}`,
    '--bind-interfaces',
    '--except-interface=lo',
    `--dhcp-lease-max=${Math.max(16, options.ports.length * 2)}`,
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
    if (s.dns_nameservers?.length) lines.push(`${tag},option:dns-server,${s.dns_nameservers.filter((d) => !d.includes(':')).join(',')}`);
    lines.push(`${tag},option:mtu,${network.mtu}`);
  }
  const hosts = new Map<string, string>();
  for (const p of [...options.ports].sort((a, b) => a.id.localeCompare(b.id))) {
    if (p.device_owner === 'network:dhcp') continue;
    const fixed = p.fixed_ips.filter((f) => v4ids.has(f.subnet_id) && !f.ip_address.includes(':'));
    if (fixed.length === 0) continue;
    const ip = fixed[0].ip_address;
    const hostname = p.dns_assignment?.find((a) => a.ip_address === ip)?.hostname || p.dns_name || defaultHostname(ip);
    const extra = (p.extra_dhcp_opts ?? []).filter((o) => (o.ip_version ?? 4) === 4);
    const tagPart = extra.length ? `,set:${portTag(p.id)}` : '';
    hosts.set(p.id, `${p.mac_address}${tagPart},${ip},${hostname}\n`);
    for (const o of extra) {
      const name = /^\d+$/.test(o.opt_name) ? o.opt_name : `option:${o.opt_name}`;
      lines.push(`tag:${portTag(p.id)},${name},${o.opt_value}`);
    }
  }
  return { args, opts: lines.length ? `${lines.join('\n')}\n` : '', hosts };
}
