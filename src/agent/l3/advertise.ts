// IPv6 router advertisements from the router namespace, as Neutron's L3 agent sends them:
// one radvd per router on the qr- devices of IPv6 subnets with an ipv6_ra_mode, flags by mode
// (Neutron's radvd template):
//   slaac             prefix with A (autonomous): hosts configure their EUI-64 address
//   dhcpv6-stateless  O flag + prefix with A: SLAAC address, DNS and domain by DHCPv6
//   dhcpv6-stateful   M flag, prefix on-link without A: the address comes from DHCPv6
// and the network's MTU in every RA. radvd, not dnsmasq: dnsmasq sets M only together with
// a DHCPv6 service of its own (and `ra-stateless` "provides a stateless DHCP service"), which
// would answer clients beside the DHCP namespace's dnsmasq (src/agent/dhcp/) with no DNS
// servers; radvd only advertises. A subnet with ipv6_address_mode but no ipv6_ra_mode gets
// no RA from Neutron's router: an external router is expected to send it (as in Neutron).
// Restarted only when its configuration changes, so it survives an agent restart.
import fs from 'node:fs';
import path from 'node:path';
import ipaddr from 'ipaddr.js';
import type { Host } from '../host.ts';
import { killAndWait, livePid, readText } from '../proc.ts';
import type { RouterPlan } from './plan.ts';

const MODES = new Set(['slaac', 'dhcpv6-stateless', 'dhcpv6-stateful']);

/** radvd's configuration for these interfaces ('': nothing to advertise). */
export function radvdConfig(advertise: RouterPlan['advertise']): string {
  const blocks: string[] = [];
  for (const a of [...advertise].sort((x, y) => x.device.localeCompare(y.device))) {
    const prefixes = a.prefixes.filter((p) => MODES.has(p.mode));
    if (!prefixes.length) continue;
    const modes = new Set(prefixes.map((p) => p.mode));
    const lines = [`interface ${a.device}`, '{', '  AdvSendAdvert on;', '  MinRtrAdvInterval 3;', '  MaxRtrAdvInterval 10;', '  AdvDefaultLifetime 1800;'];
    // RFC 8200: 1280 is IPv6's minimum link MTU; radvd refuses a smaller AdvLinkMTU.
    if (a.mtu >= 1280) lines.push(`  AdvLinkMTU ${a.mtu};`);
    // The flags are the link's (one RA per device), each prefix says whether hosts autoconfigure from it.
    if (modes.has('dhcpv6-stateful')) lines.push('  AdvManagedFlag on;');
    if (modes.has('dhcpv6-stateless')) lines.push('  AdvOtherConfigFlag on;');
    for (const p of prefixes) {
      const [addr, len] = ipaddr.parseCIDR(p.cidr);
      lines.push(`  prefix ${addr.toString()}/${len}`, '  {', '    AdvOnLink on;', `    AdvAutonomous ${p.mode === 'dhcpv6-stateful' ? 'off' : 'on'};`, '  };');
    }
    lines.push('};');
    blocks.push(lines.join('\n'));
  }
  return blocks.length ? `${blocks.join('\n')}\n` : '';
}

export class RouterAdvertiser {
  constructor(
    private readonly host: Host,
    private readonly radvd: string,
  ) {}

  /** The router's RA daemon (also a dnsmasq an older agent started with the same pid file). */
  private pid(dir: string): number | null {
    return livePid(path.join(dir, 'ra.pid'), dir);
  }

  async ensure(namespace: string, dir: string, advertise: RouterPlan['advertise']): Promise<void> {
    const config = radvdConfig(advertise);
    const file = path.join(dir, 'ra.conf');
    if (!config) return this.stop(dir);
    const pid = this.pid(dir);
    if (pid && readText(file) === config) return;
    if (pid) await killAndWait(pid);
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    // radvd refuses a configuration file others may write.
    fs.writeFileSync(file, config, { mode: 0o644 });
    fs.rmSync(path.join(dir, 'ra.args'), { force: true });
    await this.host.must('ip', ['netns', 'exec', namespace, this.radvd, '-C', file, '-p', path.join(dir, 'ra.pid'), '-m', 'logfile', '-l', path.join(dir, 'radvd.log')]);
    this.host.changes++;
    // radvd's daemon writes its pid file after the command returns; the next sync must find it.
    for (let i = 0; i < 100 && !this.pid(dir); i++) await new Promise((r) => setTimeout(r, 20));
  }

  async stop(dir: string): Promise<void> {
    const pid = this.pid(dir);
    if (pid) await killAndWait(pid);
    for (const f of ['ra.conf', 'ra.args', 'ra.pid']) fs.rmSync(path.join(dir, f), { force: true });
  }
}
