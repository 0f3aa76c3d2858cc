// Realizes a RouterPlan in the router's namespace, reading what is there first and changing
// only the difference (level-triggered, like the L2 reconciler):
//   namespace <prefix>qrouter-<id>, lo up, ip_forward=1 there only
//   per router port a veth: qr-…/qg-… inside (the port's MAC, MTU, addresses), tap… outside,
//     which the L2 reconciler puts on the network's bridge once the port is bound here
//   floating IPs as /32 addresses on the gateway device (the kernel answers ARP for them;
//     a gratuitous ARP announces each newly added one)
//   routes: default via the external subnet's gateway, extra routes (proto static)
//   NAT: nat.ts's table, replaced atomically when it differs; the connections of a floating
//     IP whose mapping changed are flushed from conntrack (`conntrack -D`), or an established
//     flow would keep reaching the old fixed IP through its conntrack entry
//   address scopes: scope.ts's table (only on a router with scoped networks)
import type { Host, Link } from '../host.ts';
import type { RouterInterface, RouterPlan } from './plan.ts';
import { changedMappings, natRules, natTable, type ChangedMapping } from './nat.ts';
import { deleteScript, tableMatches, tableScript, type NftTable } from './nft-table.ts';
import { SCOPE_TABLE, scopeTable } from './scope.ts';

/** Route destinations as `ip -j route` prints them. */
function routeKey(destination: string): string {
  if (destination === '0.0.0.0/0' || destination === '::/0') return 'default';
  return destination.replace(/\/(32|128)$/, '');
}

export class RouterHost {
  constructor(
    private readonly host: Host,
    readonly namespace: string,
  ) {}

  private nsIp(...args: string[]): Promise<string> {
    this.host.changes++;
    return this.host.must('ip', ['-n', this.namespace, ...args]);
  }

  private async read(...args: string[]): Promise<any[]> {
    return JSON.parse((await this.host.must('ip', ['-n', this.namespace, '-j', ...args])) || '[]');
  }

  private exec(command: string, args: string[], input?: string) {
    return this.host.run('ip', ['netns', 'exec', this.namespace, command, ...args], input === undefined ? {} : { input });
  }

  async exists(): Promise<boolean> {
    return (await this.host.namespaces()).has(this.namespace);
  }

  async ensureNamespace(ipv6: boolean): Promise<void> {
    if (!(await this.exists())) {
      await this.host.must('ip', ['netns', 'add', this.namespace]);
      this.host.changes++;
    }
    const lo = (await this.read('link', 'show', 'dev', 'lo'))[0] as Link;
    if (!lo.flags.includes('UP')) await this.nsIp('link', 'set', 'lo', 'up');
    // Forwarding in the router's namespace only (never the host's).
    const want: [string, string][] = [['net.ipv4.ip_forward', '1']];
    if (ipv6) want.push(['net.ipv6.conf.all.forwarding', '1']);
    for (const [key, value] of want) {
      const have = (await this.exec('sysctl', ['-n', key])).stdout.trim();
      if (have === value) continue;
      const r = await this.exec('sysctl', ['-qw', `${key}=${value}`]);
      if (r.code !== 0) throw new Error(`sysctl ${key}=${value} in ${this.namespace} failed: ${r.stderr.trim()}`);
      this.host.changes++;
    }
  }

  /** The veths: missing ones created, wrong ones fixed, ones no plan names removed. Returns the devices created. */
  async syncDevices(wanted: RouterInterface[], up: boolean): Promise<Set<string>> {
    const links = new Map((await this.read('-d', 'link', 'show')).map((l: Link) => [l.ifname, l]));
    const names = new Set(wanted.map((i) => i.device));
    for (const l of links.values()) if (/^q[rg]-/.test(l.ifname) && !names.has(l.ifname)) await this.nsIp('link', 'del', 'dev', l.ifname);
    const created = new Set<string>();
    for (const i of wanted) {
      const l = links.get(i.device);
      if (!l) {
        // A tap left over (its peer went with a deleted namespace) would block the name.
        if (await this.host.link(i.tap)) await this.host.ip('link', 'del', i.tap);
        await this.host.ip('link', 'add', i.tap, 'mtu', String(i.mtu), 'type', 'veth', 'peer', 'name', i.device, 'netns', this.namespace);
        await this.nsIp('link', 'set', i.device, 'address', i.mac, 'mtu', String(i.mtu));
        if (up) await this.nsIp('link', 'set', i.device, 'up');
        created.add(i.device);
        continue;
      }
      if (l.address !== i.mac) await this.nsIp('link', 'set', i.device, 'address', i.mac);
      if (l.mtu !== i.mtu) await this.nsIp('link', 'set', i.device, 'mtu', String(i.mtu));
      if (l.flags.includes('UP') !== up) await this.nsIp('link', 'set', i.device, up ? 'up' : 'down');
    }
    return created;
  }

  /** Global addresses per device as wanted; returns the addresses added (for gratuitous ARP). */
  async syncAddresses(wanted: Map<string, string[]>): Promise<Set<string>> {
    const added = new Set<string>();
    const have = new Map<string, Set<string>>();
    for (const l of await this.read('addr', 'show')) {
      for (const a of (l.addr_info ?? []) as { local: string; prefixlen: number; scope: string }[]) {
        if (a.scope !== 'global') continue;
        (have.get(l.ifname) ?? have.set(l.ifname, new Set()).get(l.ifname)!).add(`${a.local}/${a.prefixlen}`);
      }
    }
    for (const [device, addresses] of wanted) {
      const current = have.get(device) ?? new Set<string>();
      for (const a of current) if (!addresses.includes(a)) await this.nsIp('addr', 'del', a, 'dev', device);
      for (const a of addresses) {
        if (current.has(a)) continue;
        await this.nsIp('addr', 'add', a, 'dev', device, ...(a.includes(':') ? ['nodad'] : []));
        added.add(a);
      }
    }
    return added;
  }

  /** Static routes (ours are proto static): the default route and extra routes. Returns routes that could not be installed. */
  async syncRoutes(routes: RouterPlan['routes']): Promise<string[]> {
    const problems: string[] = [];
    for (const family of ['-4', '-6']) {
      const wanted = new Map<string, string>();
      for (const r of routes) if (r.destination.includes(':') === (family === '-6')) wanted.set(routeKey(r.destination), r.nexthop);
      const have = new Map<string, string>();
      for (const r of await this.read(family, 'route', 'show', 'proto', 'static')) have.set(r.dst, r.gateway ?? '');
      for (const [dst, via] of have) if (wanted.get(dst) !== via) await this.nsIp(family, 'route', 'del', dst);
      for (const [dst, via] of wanted) {
        if (have.get(dst) === via) continue;
        try {
          await this.nsIp(family, 'route', 'replace', dst, 'via', via, 'proto', 'static');
        } catch (err) {
          problems.push(`route ${dst} via ${via}: ${err instanceof Error ? err.message.split(': ').pop() : String(err)}`);
        }
      }
    }
    return problems;
  }

  /**
   * The NAT and address-scope tables; returns the floating IPs whose rules lost one (moved,
   * released, router down): the caller flushes their connections (flushConnections).
   */
  async syncTables(plan: RouterPlan): Promise<ChangedMapping[]> {
    const rules = natRules(plan);
    const nat = natTable(rules);
    const listed = await this.listTable(nat);
    let changed: ChangedMapping[] = [];
    if (listed === null || !tableMatches(listed, nat)) {
      await this.nft(tableScript(nat));
      changed = changedMappings(listed, rules, plan.gateway?.snatAddress ?? null);
    }
    const scopes = scopeTable(plan);
    const scopeListed = await this.listTable(scopes ?? { family: 'inet', name: SCOPE_TABLE });
    if (scopes && (scopeListed === null || !tableMatches(scopeListed, scopes))) await this.nft(tableScript(scopes));
    if (!scopes && scopeListed !== null) await this.nft(deleteScript({ family: 'inet', name: SCOPE_TABLE }));
    return changed;
  }

  /** `nft -j list table`, or null when the table does not exist. */
  private async listTable(table: Pick<NftTable, 'family' | 'name'>): Promise<string | null> {
    const r = await this.exec('nft', ['-j', 'list', 'table', table.family, table.name]);
    return r.code === 0 ? r.stdout : null;
  }

  private async nft(script: string): Promise<void> {
    const r = await this.exec('nft', ['-f', '-'], script);
    if (r.code !== 0) throw new Error(`nft in ${this.namespace} failed: ${r.stderr.trim()}`);
    this.host.changes++;
  }

  /**
   * Deletes the conntrack entries of a floating IP: connections to it (original destination)
   * and, when a rule went, connections SNATed to it (reply destination); a new mapping has no
   * SNATed ones. `conntrack` exits 1 when there were none.
   */
  async flushConnections({ address, lost }: ChangedMapping): Promise<void> {
    for (const selector of lost ? ['--orig-dst', '--reply-dst'] : ['--orig-dst']) {
      const r = await this.exec('conntrack', ['-D', selector, address]);
      if (r.code !== 0 && !/0 flow entries/.test(r.stderr)) throw new Error(`conntrack -D ${selector} ${address} in ${this.namespace} failed: ${r.stderr.trim()}`);
    }
    this.host.changes++;
  }

  /** Announces addresses that moved here (floating IPs) so neighbours update their ARP caches. */
  announce(device: string, address: string): void {
    void this.exec('busybox', ['arping', '-U', '-c', '1', '-w', '1', '-I', device, '-s', address, address]);
  }

  async remove(): Promise<void> {
    if (!(await this.exists())) return;
    await this.host.must('ip', ['netns', 'del', this.namespace]);
    this.host.changes++;
  }
}
