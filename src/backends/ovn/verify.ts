// verify for the ovn backend: ovn-trace follows the path's packet through the logical flows
// northd computed in the southbound database (what ovn-controllers realize), from the source
// port's logical switch, and its verdict is compared with intent's: delivered to the
// destination port (or out of the external network's localnet port), or not. Conntrack is
// taken as `new` at every ct_next (a first packet). One whole-path check, `path`; per-hop
// checks are not made (ovn-trace names logical flows, not Neutron's hops).
import { execFile } from 'node:child_process';
import type { CheckResult, PathVerification, VerifyRequest } from '../driver.ts';
import { localnetPortName, switchName } from './names.ts';

const CT_NEXTS = 8;

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('ovn-trace', args, { maxBuffer: 16 * 1024 * 1024, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0, stdout: String(stdout), stderr: String(stderr) || (err?.message ?? '') });
    });
  });
}

/** The microflow of the request's packet (null when it cannot be written: no source port or MACs). */
export function microflow(p: VerifyRequest['packet']): string | null {
  if (!p.source_port_id || !p.source_mac || !p.first_hop_mac) return null;
  const v6 = p.destination_ip.includes(':');
  const ip = v6 ? 'ip6' : 'ip4';
  const parts = [`inport == "${p.source_port_id}"`, `eth.src == ${p.source_mac}`, `eth.dst == ${p.first_hop_mac}`, `${ip}.src == ${p.source_ip}`, `${ip}.dst == ${p.destination_ip}`, 'ip.ttl == 64'];
  if (p.protocol === 'tcp' || p.protocol === 'udp') parts.push(p.protocol, `${p.protocol}.src == 40000`, `${p.protocol}.dst == ${p.port}`);
  else if (p.protocol === 'icmp') parts.push(v6 ? 'icmp6' : 'icmp4', `${v6 ? 'icmp6' : 'icmp4'}.type == ${p.port ?? (v6 ? 128 : 8)}`);
  return parts.join(' && ');
}

/** Whether the trace delivers to one of the ports (ovn-trace prints `output to "<port>"`). */
export function delivered(trace: string, ports: string[]): boolean {
  return ports.some((port) => trace.includes(`output to "${port}"`));
}

/** Where the trace drops the packet: the logical stage and datapath before its first `drop;`. */
export function dropStage(trace: string): string | null {
  const lines = trace.split('\n');
  const at = lines.findIndex((l) => /^\s*drop;/.test(l));
  if (at < 0) return null;
  let stage: string | undefined;
  let datapath: string | undefined;
  for (const l of lines.slice(0, at)) {
    stage = /^\s*\d+\.\s+((?:ls|lr)_(?:in|out)_\w+)/.exec(l)?.[1] ?? stage;
    datapath = /(?:ingress|egress)\(dp="([^"]+)"/.exec(l)?.[1] ?? datapath;
  }
  return stage ? `${stage}${datapath ? ` of ${datapath}` : ''}` : null;
}

export async function traceVerify(request: VerifyRequest, sbConnection: string): Promise<PathVerification> {
  const p = request.packet;
  const flow = microflow(p);
  const targets = [p.destination_port_id, p.exit_network_id ? localnetPortName(p.exit_network_id) : undefined].filter((x): x is string => !!x);
  const intent = request.verdict === 'reachable' ? `intent delivers the packet to ${targets.join(' or ')}` : `intent says ${request.verdict.replace('_', ' ')}`;
  const result = (status: CheckResult['status'], dataplane: string, verdict: 'delivered' | 'dropped' | 'unknown', detail: string): PathVerification => {
    const check: CheckResult = { id: 'trace', kind: 'path', status, intent, dataplane };
    return { backend: 'ovn', agreement: status === 'agrees' ? true : status === 'drift' ? false : null, hosts: [{ host: 'OVN_Southbound', state: 'answered', checks: [check] }], drift: status === 'drift' ? [check] : [], trace: { verdict, detail } };
  };
  if (!sbConnection) return result('not_checked', 'backend.ovn_sb_connection is not configured: ovn-trace needs the southbound database', 'unknown', '');
  if (!flow || !p.source_network_id || targets.length === 0) return result('not_checked', 'only a path from a port to a port or out of an external network is traced', 'unknown', '');
  const args = ['--no-friendly-names', `--db=${sbConnection}`, ...Array.from({ length: CT_NEXTS }, () => '--ct=new'), switchName(p.source_network_id), flow];
  const r = await run(args);
  if (r.code !== 0) return result('not_checked', `ovn-trace failed: ${r.stderr.trim().slice(0, 500)}`, 'unknown', flow);
  const got = delivered(r.stdout, targets);
  const detail = `ovn-trace ${switchName(p.source_network_id)} '${flow}': ${got ? `output to "${targets.find((t) => r.stdout.includes(`output to "${t}"`))}"` : 'not delivered'}`;
  if (request.verdict === 'unknown') return result('not_checked', `${got ? 'delivered' : 'not delivered'}; intent's verdict is unknown, nothing to compare`, got ? 'delivered' : 'dropped', detail);
  const agrees = got === (request.verdict === 'reachable');
  const stage = got ? null : dropStage(r.stdout);
  const what = got ? 'the logical flows deliver it' : stage ? `the logical flows drop it in ${stage}` : 'the logical flows do not deliver it';
  return result(agrees ? 'agrees' : 'drift', what, got ? 'delivered' : 'dropped', detail);
}
