// IPv6 router advertisements from the router namespace (Neutron runs radvd there): one
// dnsmasq per router in RA-only mode (no DNS, no DHCP), on the qr- devices of IPv6 subnets
// with an ipv6_ra_mode: `slaac` advertises the prefix for autoconfiguration (A flag),
// `dhcpv6-stateless` also sets the O flag. Restarted only when its arguments change.
import fs from 'node:fs';
import path from 'node:path';
import ipaddr from 'ipaddr.js';
import type { Host } from '../host.ts';
import { killAndWait, livePid, readText } from '../proc.ts';
import type { RouterPlan } from './plan.ts';

const MODES: Record<string, string> = { slaac: 'ra-only', 'dhcpv6-stateless': 'ra-stateless' };

/** dnsmasq's arguments for these interfaces (empty: nothing to advertise). */
export function advertiseArgs(advertise: RouterPlan['advertise'], dir: string): string[] {
  const ranges: string[] = [];
  const devices: string[] = [];
  for (const a of advertise) {
    const mode = MODES[a.mode];
    if (!mode) continue;
    devices.push(a.device);
    for (const prefix of a.prefixes) {
      const [addr, len] = ipaddr.parseCIDR(prefix);
      ranges.push(`--dhcp-range=${addr.toString()},${mode},${len},1800`);
    }
    ranges.push(`--ra-param=${a.device},mtu:${a.mtu},10,1800`);
  }
  if (!devices.length) return [];
  return ['--no-hosts', '--no-resolv', '--port=0', '--conf-file=/dev/null', '--leasefile-ro', '--enable-ra', '--bind-interfaces', '--except-interface=lo', `--pid-file=${dir}/ra.pid`, ...devices.map((d) => `--interface=${d}`), ...ranges];
}

export class RouterAdvertiser {
  constructor(
    private readonly host: Host,
    private readonly dnsmasq: string,
  ) {}

  private pid(dir: string): number | null {
    return livePid(path.join(dir, 'ra.pid'), dir);
  }

  async ensure(namespace: string, dir: string, advertise: RouterPlan['advertise']): Promise<void> {
    const args = advertiseArgs(advertise, dir);
    const argsFile = path.join(dir, 'ra.args');
    const wanted = JSON.stringify(args);
    const pid = this.pid(dir);
    if (args.length === 0) return this.stop(dir);
    if (pid && readText(argsFile) === wanted) return;
    if (pid) await killAndWait(pid);
    fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
    await this.host.must('ip', ['netns', 'exec', namespace, this.dnsmasq, ...args]);
    fs.writeFileSync(argsFile, wanted);
    this.host.changes++;
  }

  async stop(dir: string): Promise<void> {
    const pid = this.pid(dir);
    if (pid) await killAndWait(pid);
    fs.rmSync(path.join(dir, 'ra.args'), { force: true });
  }
}
