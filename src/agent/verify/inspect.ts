// What the host has for each check of a path (explain's verify, src/extensions/reachability/
// verify.ts builds the checks): read, never written. Security groups are read from the
// firewall's bridge table (`nft -j list table bridge neutrino-sg`: verdict maps by tap, the
// port's chain, the group's chain, its rules and sets), routers from their namespaces
// (`ip -j addr`, `ip -j route get`, the ip_forward sysctl, `nft -j list table ip neutrino-router`).
// A rule is recognised by what it matches (protocol, ports or ICMP type, remote prefix or
// set), read from nft's JSON, so it does not depend on how the firewall names its chains
// beyond the `sg-<group>-in|out-` prefix and the `rg-`/`ag-` set names.
import fs from 'node:fs';
import { tapName } from '../../backends/linux/names.ts';
import type { PathCheck } from '../../backends/path-checks.ts';
import type { Host } from '../host.ts';
import ipaddr from 'ipaddr.js';
import { parsePrefix } from '../firewall/addresses.ts';
import { elementText, verdictText } from '../firewall/nft.ts';
import { addressGroupSet, remoteGroupSet, TABLE } from '../firewall/ruleset.ts';
import { NAT_TABLE } from '../l3/nat.ts';
import { gatewayDevice, internalDevice } from '../l3/plan.ts';

/** A check as the server sends it (the agent is an HTTP client; the type is the shared contract). */
export type Check = PathCheck;

export interface Answer {
  id: string;
  status: 'agrees' | 'drift' | 'not_checked';
  dataplane: string;
}

type Expr = Record<string, any>;

/** A table as `nft -j` lists it: chains with their rules' expressions, sets and maps with their elements. */
export interface NftTable {
  chains: Map<string, Expr[][]>;
  sets: Map<string, string[]>;
  maps: Map<string, Map<string, string>>;
}

/** A value as text: a set element, prefix or range as the firewall reads it (nft.ts), an anonymous set as a comma list. */
function valueText(v: unknown): string {
  if (v && typeof v === 'object' && Array.isArray((v as { set?: unknown }).set)) return ((v as { set: unknown[] }).set).map(elementText).join(',');
  return elementText(v);
}

export function parseNftTable(json: string): NftTable {
  const t: NftTable = { chains: new Map(), sets: new Map(), maps: new Map() };
  for (const item of (JSON.parse(json).nftables ?? []) as Expr[]) {
    if (item.chain && !t.chains.has(item.chain.name)) t.chains.set(item.chain.name, []);
    else if (item.rule) t.chains.set(item.rule.chain, [...(t.chains.get(item.rule.chain) ?? []), item.rule.expr ?? []]);
    else if (item.set) t.sets.set(item.set.name, ((item.set.elem ?? []) as unknown[]).map(valueText));
    else if (item.map) t.maps.set(item.map.name, new Map(((item.map.elem ?? []) as [unknown, unknown][]).map(([k, v]) => [elementText(k), verdictText(v)])));
  }
  return t;
}

// ---- addresses ------------------------------------------------------------------------------

const bytesOf = (a: ipaddr.IPv4 | ipaddr.IPv6) => BigInt(`0x${Buffer.from(a.toByteArray()).toString('hex')}`);

/** Whether an nft element (`a`, `a/len`, `a-b`, or a comma list of them) covers the address. */
export function elementCovers(element: string, address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const a = ipaddr.process(address);
  return element.split(',').some((e) => {
    try {
      if (e.includes('/')) {
        const [net, len] = ipaddr.parseCIDR(e);
        return net.kind() === a.kind() && a.match(net, len);
      }
      const dash = e.indexOf('-', 1);
      const [lo, hi] = (dash > 0 ? [e.slice(0, dash), e.slice(dash + 1)] : [e, e]).map((x) => ipaddr.process(x));
      return lo.kind() === a.kind() && bytesOf(lo) <= bytesOf(a) && bytesOf(a) <= bytesOf(hi);
    } catch {
      return false;
    }
  });
}

// ---- security group rules -------------------------------------------------------------------

const PROTOCOLS: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, dccp: 33, 'ipv6-icmp': 58, icmpv6: 58, sctp: 132, udplite: 136 };
let etcProtocols: Map<string, number> | undefined;

/** A protocol as nft prints it (a number, or its /etc/protocols name: nft names them from there) or the API stores it. */
export function protocolNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  const name = String(value).toLowerCase();
  if (/^\d+$/.test(name)) return Number(name);
  if (PROTOCOLS[name] !== undefined) return PROTOCOLS[name];
  if (!etcProtocols) {
    etcProtocols = new Map();
    try {
      for (const line of fs.readFileSync('/etc/protocols', 'utf8').split('\n')) {
        const [fields] = line.split('#');
        const [n, num, ...aliases] = fields.trim().split(/\s+/);
        if (!n || !/^\d+$/.test(num ?? '')) continue;
        for (const a of [n, ...aliases]) etcProtocols.set(a.toLowerCase(), Number(num));
      }
    } catch {
      // no /etc/protocols: only the table above
    }
  }
  return etcProtocols.get(name) ?? NaN;
}
const ICMP_TYPES: Record<string, number> = {
  'echo-reply': 0, 'destination-unreachable': 3, 'source-quench': 4, redirect: 5, 'echo-request': 8, 'router-advertisement': 9, 'router-solicitation': 10,
  'time-exceeded': 11, 'parameter-problem': 12, 'timestamp-request': 13, 'timestamp-reply': 14, 'info-request': 15, 'info-reply': 16, 'address-mask-request': 17, 'address-mask-reply': 18,
};
const ICMPV6_TYPES: Record<string, number> = {
  'destination-unreachable': 1, 'packet-too-big': 2, 'time-exceeded': 3, 'parameter-problem': 4, 'echo-request': 128, 'echo-reply': 129, 'mld-listener-query': 130,
  'mld-listener-report': 131, 'mld-listener-done': 132, 'nd-router-solicit': 133, 'nd-router-advert': 134, 'nd-neighbor-solicit': 135, 'nd-neighbor-advert': 136, 'nd-redirect': 137,
};
const PORT_PROTOCOLS = new Set([6, 17, 33, 132, 136]);

/** A rule's matches as `key op value` (`tcp.dport == 22`, `ip.saddr == @rg-…`, `meta.l4proto == 6`). */
function matches(exprs: Expr[]): { key: string; op: string; right: unknown }[] {
  return exprs
    .filter((e) => e.match)
    .map((e) => {
      const left = e.match.left ?? {};
      const key = left.payload ? `${left.payload.protocol}.${left.payload.field}` : left.meta ? `meta.${left.meta.key}` : JSON.stringify(left);
      return { key, op: e.match.op, right: e.match.right };
    });
}

/** The canonical text of a remote: `@set` or a prefix. */
function remoteKey(value: unknown): string {
  const text = valueText(value);
  if (text.startsWith('@')) return text;
  return parsePrefix(text)?.text ?? text;
}

/** Whether an nft rule (its expressions) is the one the firewall writes for this group rule. */
export function ruleIs(exprs: Expr[], rule: NonNullable<Check['rule']>): boolean {
  if (!exprs.some((e) => 'accept' in e)) return false;
  const family = rule.ethertype === 'IPv6' ? 6 : 4;
  const l3 = family === 4 ? 'ip' : 'ip6';
  const ms = matches(exprs);
  if (ms.some((m) => m.op !== '==')) return false;
  // Family: an address match of the other family, or `ether type` of the other one, rules it out.
  if (ms.some((m) => m.key.startsWith(family === 4 ? 'ip6.' : 'ip.'))) return false;
  const ether = ms.find((m) => m.key === 'ether.type');
  if (ether && valueText(ether.right) !== l3) return false;
  // Remote: exactly the prefix, remote group set and address group set the rule names.
  const field = `${l3}.${rule.direction === 'ingress' ? 'saddr' : 'daddr'}`;
  const want = new Set<string>();
  const prefix = rule.remote_ip_prefix ? parsePrefix(rule.remote_ip_prefix) : null;
  if (prefix && prefix.length > 0) want.add(prefix.text);
  if (rule.remote_group_id) want.add(`@${remoteGroupSet(rule.remote_group_id, family)}`);
  if (rule.remote_address_group_id) want.add(`@${addressGroupSet(rule.remote_address_group_id, family)}`);
  const have = new Set(ms.filter((m) => m.key === field).map((m) => remoteKey(m.right)));
  if (have.size !== want.size || [...want].some((w) => !have.has(w))) return false;
  // Protocol: meta l4proto, or implied by a port / ICMP type match (nft drops the redundant one).
  let proto = rule.protocol === null || rule.protocol === 'any' ? null : protocolNumber(rule.protocol);
  if (proto === 1 && family === 6) proto = 58;
  const l4 = ms.find((m) => m.key === 'meta.l4proto');
  const portMatch = ms.find((m) => /^(tcp|udp|dccp|sctp|udplite|th)\.dport$/.test(m.key));
  const typeMatch = ms.find((m) => m.key === 'icmp.type' || m.key === 'icmpv6.type');
  const haveProto = l4 ? protocolNumber(l4.right) : portMatch ? PROTOCOLS[portMatch.key.split('.')[0]] : typeMatch ? (typeMatch.key === 'icmp.type' ? 1 : 58) : null;
  if ((haveProto ?? null) !== proto) return false;
  // Ports or ICMP type.
  const min = rule.port_range_min;
  if (proto !== null && PORT_PROTOCOLS.has(proto) && min !== null) {
    const hi = rule.port_range_max ?? min;
    if (!portMatch || valueText(portMatch.right) !== (hi === min ? String(min) : `${min}-${hi}`)) return false;
  } else if (portMatch) return false;
  if ((proto === 1 || proto === 58) && min !== null) {
    const names = proto === 1 ? ICMP_TYPES : ICMPV6_TYPES;
    const t = typeMatch ? (typeof typeMatch.right === 'number' ? typeMatch.right : names[String(typeMatch.right)]) : undefined;
    if (t !== min) return false;
    // A code (port_range_max) is matched too; nft names codes by context, so only numbers are compared.
    const code = ms.find((m) => m.key === (proto === 1 ? 'icmp.code' : 'icmpv6.code'));
    const max = rule.port_range_max;
    if ((max !== null) !== !!code) return false;
    if (code && typeof code.right === 'number' && code.right !== max) return false;
  } else if (typeMatch) return false;
  return true;
}

// ---- the checks -----------------------------------------------------------------------------

const MAP = { egress: 'egress-ports', ingress: 'ingress-ports' } as const;

/** Reads what each check needs once per request (the bridge table, each router namespace). */
export class Inspector {
  private bridgeTable?: Promise<NftTable | null>;
  private readonly natTables = new Map<string, Promise<NftTable | null>>();

  constructor(
    private readonly host: Host,
    private readonly routerNamespace: (routerId: string) => string,
  ) {}

  private async nft(netns: string | undefined, family: string, table: string): Promise<NftTable | null> {
    const args = ['-j', 'list', 'table', family, table];
    const r = netns ? await this.host.run('ip', ['netns', 'exec', netns, 'nft', ...args]) : await this.host.run('nft', args);
    if (r.code !== 0) {
      if (/No such file or directory|does not exist/i.test(r.stderr)) return null;
      throw new Error(`nft list table ${family} ${table}: ${r.stderr.trim()}`);
    }
    return parseNftTable(r.stdout);
  }

  private firewall(): Promise<NftTable | null> {
    this.bridgeTable ??= this.nft(this.host.netns, 'bridge', TABLE);
    return this.bridgeTable;
  }

  async check(c: Check): Promise<Answer> {
    const answer = (status: Answer['status'], dataplane: string): Answer => ({ id: c.id, status, dataplane });
    try {
      switch (c.kind) {
        case 'port_filtered':
        case 'port_unfiltered':
        case 'security_group_rule':
          return await this.portCheck(c, answer);
        case 'remote_group_member':
        case 'address_group_member':
          return await this.memberCheck(c, answer);
        case 'router_interface':
          return await this.interfaceCheck(c, answer);
        case 'route':
          return await this.routeCheck(c, answer);
        case 'snat':
        case 'dnat':
          return await this.natCheck(c, answer);
        default:
          return answer('not_checked', `this agent does not check ${c.kind}`);
      }
    } catch (err) {
      return answer('not_checked', `could not read the host: ${(err as Error).message.slice(0, 500)}`);
    }
  }

  private async portCheck(c: Check, answer: (s: Answer['status'], d: string) => Answer): Promise<Answer> {
    const table = await this.firewall();
    const tap = tapName(c.port_id ?? '');
    if (!table) return answer('drift', `no nftables table bridge ${TABLE} on the host: nothing is filtered`);
    if (c.kind === 'port_unfiltered') {
      const verdicts = (['egress', 'ingress'] as const).map((d) => table.maps.get(MAP[d])?.get(tap));
      if (verdicts.every((v) => v === 'accept')) return answer('agrees', `${tap} → accept in both verdict maps`);
      return answer('drift', `${tap} is filtered: egress-ports → ${verdicts[0] ?? 'missing'}, ingress-ports → ${verdicts[1] ?? 'missing'}`);
    }
    const direction = c.direction ?? 'ingress';
    const verdict = table.maps.get(MAP[direction])?.get(tap);
    if (c.kind === 'port_filtered') {
      if (verdict === 'accept') return answer('drift', `${tap} → accept in ${MAP[direction]}: its ${direction} traffic passes unfiltered`);
      if (!verdict) return answer('agrees', `${tap} is not in ${MAP[direction]}: every ${direction} packet is dropped`);
      return answer('agrees', `${tap} → ${verdict} (filtered; what no rule admits is dropped)`);
    }
    if (!verdict) return answer('drift', `${tap} is not in ${MAP[direction]}: all its ${direction} traffic is dropped`);
    if (verdict === 'accept') return answer('agrees', `${tap} → accept (unfiltered)`);
    const portChain = verdict.replace(/^(jump|goto) /, '');
    const portRules = table.chains.get(portChain);
    if (!portRules) return answer('drift', `${MAP[direction]} sends ${tap} to chain ${portChain}, which does not exist`);
    const prefix = `sg-${c.security_group_id}-${direction === 'ingress' ? 'in' : 'out'}-`;
    const groupChain = portRules.map((exprs) => exprs.find((e) => e.jump)?.jump?.target as string | undefined).find((t) => t?.startsWith(prefix));
    if (!groupChain) return answer('drift', `chain ${portChain} does not jump to a chain of security group ${c.security_group_id}`);
    const rules = table.chains.get(groupChain);
    if (!rules) return answer('drift', `chain ${groupChain} (jumped to from ${portChain}) does not exist`);
    if (!rules.some((exprs) => ruleIs(exprs, c.rule!))) return answer('drift', `chain ${groupChain} has ${rules.length} rule(s), none matching the rule`);
    return answer('agrees', `${tap} → ${portChain} → ${groupChain}: a rule matches`);
  }

  private async memberCheck(c: Check, answer: (s: Answer['status'], d: string) => Answer): Promise<Answer> {
    const table = await this.firewall();
    const family = c.address?.includes(':') ? 6 : 4;
    const set = c.kind === 'remote_group_member' ? remoteGroupSet(c.group_id ?? '', family) : addressGroupSet(c.group_id ?? '', family);
    const elements = table?.sets.get(set);
    if (!elements) return answer('drift', `set ${set} does not exist`);
    const hit = elements.find((e) => elementCovers(e, c.address ?? ''));
    if (!hit) return answer('drift', `set ${set} has ${elements.length} element(s), none covering ${c.address}`);
    return answer('agrees', `set ${set} holds ${hit}`);
  }

  private async nsJson(ns: string, ...args: string[]): Promise<any[] | null> {
    const r = await this.host.run('ip', ['-n', ns, '-j', ...args]);
    if (r.code !== 0) return null;
    return JSON.parse(r.stdout || '[]');
  }

  private async namespace(c: Check): Promise<string | null> {
    const ns = this.routerNamespace(c.router_id ?? '');
    const list = JSON.parse((await this.host.run('ip', ['-j', 'netns', 'list'])).stdout || '[]') as { name: string }[];
    return list.some((x) => x.name === ns) ? ns : null;
  }

  private async interfaceCheck(c: Check, answer: (s: Answer['status'], d: string) => Answer): Promise<Answer> {
    const ns = await this.namespace(c);
    if (!ns) return answer('drift', `no namespace ${this.routerNamespace(c.router_id ?? '')} on the host`);
    // An interface (qr-) or the gateway (qg-): the check names the port, the device tells which.
    const names = [internalDevice(c.port_id ?? ''), gatewayDevice(c.port_id ?? '')];
    let dev = names[0];
    let link: any;
    for (const name of names) {
      link = (await this.nsJson(ns, 'addr', 'show', 'dev', name))?.[0];
      dev = name;
      if (link) break;
    }
    if (!link) return answer('drift', `no device ${names.join(' or ')} in ${ns}`);
    if (!(link.flags as string[]).includes('UP')) return answer('drift', `${dev} is down`);
    const addrs = ((link.addr_info ?? []) as { local: string; prefixlen: number }[]).map((a) => `${a.local}/${a.prefixlen}`);
    if (!addrs.some((a) => a.split('/')[0] === c.address)) return answer('drift', `${dev} is up with ${addrs.join(', ') || 'no address'}, not ${c.address}`);
    return answer('agrees', `${dev} up with ${addrs.join(', ')}`);
  }

  private async routeCheck(c: Check, answer: (s: Answer['status'], d: string) => Answer): Promise<Answer> {
    const ns = await this.namespace(c);
    if (!ns) return answer('drift', `no namespace ${this.routerNamespace(c.router_id ?? '')} on the host`);
    const v6 = c.address?.includes(':');
    const forward = await this.host.run('ip', ['netns', 'exec', ns, 'sysctl', '-n', v6 ? 'net.ipv6.conf.all.forwarding' : 'net.ipv4.ip_forward']);
    if (forward.stdout.trim() !== '1') return answer('drift', `${ns} does not forward IPv${v6 ? 6 : 4} (forwarding ${forward.stdout.trim() || 'unreadable'})`);
    const route = (await this.nsJson(ns, 'route', 'get', c.address ?? ''))?.[0] as { dev?: string; gateway?: string } | undefined;
    if (!route) return answer('drift', `${ns} has no route to ${c.address}`);
    const got = `dev ${route.dev}${route.gateway ? ` via ${route.gateway}` : ''}`;
    if (c.nexthop) return route.gateway === c.nexthop ? answer('agrees', `${c.address}: ${got}`) : answer('drift', `${c.address} is routed ${got}, not via ${c.nexthop}`);
    const want = [internalDevice(c.via_port_id ?? ''), gatewayDevice(c.via_port_id ?? '')];
    return want.includes(route.dev ?? '') ? answer('agrees', `${c.address}: ${got}`) : answer('drift', `${c.address} is routed ${got}, not out of ${want.join(' / ')}`);
  }

  private async natCheck(c: Check, answer: (s: Answer['status'], d: string) => Answer): Promise<Answer> {
    const ns = await this.namespace(c);
    if (!ns) return answer('drift', `no namespace ${this.routerNamespace(c.router_id ?? '')} on the host`);
    let table = this.natTables.get(ns);
    if (!table) this.natTables.set(ns, (table = this.nft(ns, 'ip', NAT_TABLE)));
    const t = await table;
    if (!t) return answer('drift', `no nftables table ip ${NAT_TABLE} in ${ns}`);
    const chain = c.kind === 'snat' ? 'postrouting' : 'prerouting';
    const rules = t.chains.get(chain) ?? [];
    const found = rules.some((exprs) => {
      const ms = matches(exprs);
      const nat = exprs.find((e) => e[c.kind])?.[c.kind] as { addr?: string; port?: number } | undefined;
      if (!nat || nat.addr !== c.translated) return false;
      if (c.translated_port !== undefined && nat.port !== c.translated_port) return false;
      const field = c.kind === 'snat' ? 'ip.saddr' : 'ip.daddr';
      const addr = ms.find((m) => m.key === field);
      if (!addr || !elementCovers(valueText(addr.right), c.address ?? '')) return false;
      if (c.port !== undefined) {
        const port = ms.find((m) => m.key.endsWith('.dport'));
        if (!port || !rangeHas(valueText(port.right), c.port)) return false;
      }
      return true;
    });
    const what = c.kind === 'snat' ? `snat of ${c.address} to ${c.translated}` : `dnat of ${c.address}${c.port !== undefined ? `:${c.port}` : ''} to ${c.translated}${c.translated_port !== undefined ? `:${c.translated_port}` : ''}`;
    return found ? answer('agrees', `${chain} of ${NAT_TABLE} has the ${what}`) : answer('drift', `${chain} of ${NAT_TABLE} in ${ns} has ${rules.length} rule(s), none doing the ${what}`);
  }
}

/** `22` or `8000-8100` holds port. */
function rangeHas(text: string, port: number): boolean {
  const [lo, hi] = text.split('-').map(Number);
  return port >= lo && port <= (hi ?? lo);
}
