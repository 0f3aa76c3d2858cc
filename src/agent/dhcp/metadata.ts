// Metadata for workloads at http://169.254.169.254/, as Neutron's metadata agent and proxy
// do it: in each DHCP namespace a small proxy (a node process, the code below) listens on
// 169.254.169.254:80 and forwards every request to the agent's unix socket with the network
// id and the caller's address; the agent finds the port by (network, fixed IP) — so the same
// address in two projects' networks gets two different answers — and answers from the port.
// DHCP pushes the route to 169.254.169.254/32 via the DHCP port (option 121).
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { killAndWait, livePid } from '../proc.ts';
import type { Logger } from 'pino';
import { tapName } from '../../backends/linux/names.ts';
import { defaultHostname } from './dnsmasq.ts';

export const METADATA_IP = '169.254.169.254';

/** What the metadata server reads: the agent's cache. */
export interface MetadataSource {
  readonly ports: Map<string, Record<string, any>>;
  readonly networks: Map<string, Record<string, any>>;
  readonly subnets: Map<string, Record<string, any>>;
  readonly config: { state_dir: string };
  readonly log: Logger;
  readonly host: { changes: number };
}

const PROXY_MARKER = 'neutrino-metadata-proxy';

/** The proxy's code: run with `node --input-type=module -e PROXY_CODE <marker> <socket> <network> <pidfile> <ip>`. */
const PROXY_CODE = `
import http from 'node:http';
import fs from 'node:fs';
const [, socketPath, networkId, pidFile, ip] = process.argv.slice(1);
fs.writeFileSync(pidFile, String(process.pid));
http.createServer((req, res) => {
  const headers = { ...req.headers, 'x-neutrino-network-id': networkId, 'x-forwarded-for': req.socket.remoteAddress };
  const up = http.request({ socketPath, path: req.url, method: req.method, headers }, (answer) => {
    res.writeHead(answer.statusCode, answer.headers);
    answer.pipe(res);
  });
  up.on('error', () => { res.writeHead(502); res.end('metadata agent unavailable\\n'); });
  req.pipe(up);
}).listen(80, ip);
process.on('SIGTERM', () => process.exit(0));
`;

type Obj = Record<string, any>;

export class MetadataServer {
  private server?: http.Server;

  constructor(
    private readonly agent: MetadataSource,
    readonly socketPath: string,
  ) {}

  async listen(): Promise<void> {
    fs.rmSync(this.socketPath, { force: true });
    this.server = http.createServer((req, res) => {
      try {
        const answer = this.answer(String(req.headers['x-neutrino-network-id'] ?? ''), String(req.headers['x-forwarded-for'] ?? ''), (req.url ?? '/').split('?')[0]);
        res.writeHead(answer.status, { 'content-type': answer.json ? 'application/json' : 'text/plain' });
        res.end(answer.json ? JSON.stringify(answer.body) : String(answer.body));
      } catch (err) {
        res.writeHead(500);
        res.end('metadata failed\n');
        this.agent.log.warn({ err: String(err) }, 'metadata request failed');
      }
    });
    await new Promise<void>((resolve) => this.server!.listen(this.socketPath, resolve));
  }

  async close(): Promise<void> {
    await new Promise((r) => this.server?.close(r) ?? r(undefined));
    fs.rmSync(this.socketPath, { force: true });
  }

  /** The port behind a request: the network's port holding that address (not a DHCP port). */
  portFor(networkId: string, ip: string): Obj | undefined {
    const address = ip.replace(/^::ffff:/, '');
    for (const p of this.agent.ports.values()) {
      if (p.network_id !== networkId || p.device_owner === 'network:dhcp') continue;
      if ((p.fixed_ips as Obj[]).some((f) => f.ip_address === address)) return p;
    }
    return undefined;
  }

  answer(networkId: string, ip: string, url: string): { status: number; body: unknown; json?: boolean } {
    const port = this.portFor(networkId, ip);
    if (!port) return { status: 404, body: 'no port of this network has your address\n' };
    const address = (port.fixed_ips as Obj[]).find((f) => f.ip_address === ip.replace(/^::ffff:/, ''))!.ip_address;
    const hostname = port.dns_name || defaultHostname(address);
    const uuid = port.device_id || port.id;
    const route = url.replace(/\/+$/, '') || '/';
    switch (route) {
      case '/':
        return { status: 200, body: 'latest\n' };
      case '/openstack':
        return { status: 200, body: 'latest\n' };
      case '/openstack/latest':
        return { status: 200, body: 'meta_data.json\nnetwork_data.json\n' };
      case '/openstack/latest/meta_data.json':
        return { status: 200, json: true, body: { uuid, name: port.name || hostname, hostname, project_id: port.project_id, availability_zone: 'nova', launch_index: 0, meta: {}, public_keys: {}, devices: [] } };
      case '/openstack/latest/network_data.json':
        return { status: 200, json: true, body: this.networkData(port) };
      case '/latest/meta-data':
        return { status: 200, body: 'hostname\ninstance-id\nlocal-hostname\nlocal-ipv4\nmac\nplacement/\n' };
      case '/latest/meta-data/instance-id':
        return { status: 200, body: uuid };
      case '/latest/meta-data/hostname':
      case '/latest/meta-data/local-hostname':
        return { status: 200, body: hostname };
      case '/latest/meta-data/local-ipv4':
        return { status: 200, body: address };
      case '/latest/meta-data/mac':
        return { status: 200, body: port.mac_address };
      case '/latest/meta-data/placement':
        return { status: 200, body: 'availability-zone\n' };
      case '/latest/meta-data/placement/availability-zone':
        return { status: 200, body: 'nova' };
      default:
        return { status: 404, body: 'not found\n' };
    }
  }

  private networkData(port: Obj): Obj {
    const net = this.agent.networks.get(port.network_id);
    const link = tapName(port.id);
    const networks: Obj[] = [];
    const dns = new Set<string>();
    (port.fixed_ips as Obj[]).forEach((f, i) => {
      const s = this.agent.subnets.get(f.subnet_id);
      if (!s) return;
      const v4 = s.ip_version === 4;
      const [, len] = s.cidr.split('/');
      const routes: Obj[] = (s.host_routes ?? []).map((r: Obj) => ({ network: r.destination.split('/')[0], netmask: v4 ? maskOf(Number(r.destination.split('/')[1])) : r.destination.split('/')[1], gateway: r.nexthop }));
      if (s.gateway_ip) routes.push({ network: v4 ? '0.0.0.0' : '::', netmask: v4 ? '0.0.0.0' : '::', gateway: s.gateway_ip });
      for (const d of s.dns_nameservers ?? []) dns.add(d);
      networks.push({
        id: `network${i}`,
        type: v4 ? (s.enable_dhcp ? 'ipv4_dhcp' : 'ipv4') : 'ipv6',
        link,
        ip_address: f.ip_address,
        netmask: v4 ? maskOf(Number(len)) : len,
        routes,
        network_id: port.network_id,
        services: [...(s.dns_nameservers ?? [])].map((d: string) => ({ type: 'dns', address: d })),
      });
    });
    return {
      links: [{ id: link, vif_id: port.id, type: 'tap', ethernet_mac_address: port.mac_address, mtu: net?.mtu ?? null }],
      networks,
      services: [...dns].map((d) => ({ type: 'dns', address: d })),
    };
  }

  private pidFile(networkId: string): string {
    return path.join(this.agent.config.state_dir, 'dhcp', networkId, 'metadata.pid');
  }

  async ensureProxy(networkId: string, ns: string): Promise<void> {
    if (await ensureMetadataProxy(ns, this.socketPath, networkId, this.pidFile(networkId))) this.agent.host.changes++;
  }

  async stopProxy(networkId: string): Promise<void> {
    await stopMetadataProxy(this.pidFile(networkId));
  }
}

/**
 * Starts the proxy in namespace `ns` (listening on 169.254.169.254:80 there, forwarding to
 * socketPath with `id` as the network id) unless pidFile names a live one. The DHCP
 * namespaces and the router namespaces (src/agent/l3/metadata.ts) run it. True if started.
 */
export async function ensureMetadataProxy(ns: string, socketPath: string, id: string, pidFile: string): Promise<boolean> {
  if (livePid(pidFile, PROXY_MARKER)) return false;
  fs.mkdirSync(path.dirname(pidFile), { recursive: true, mode: 0o755 });
  fs.rmSync(pidFile, { force: true });
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '--input-type=module', '-e', PROXY_CODE, PROXY_MARKER, socketPath, id, pidFile, METADATA_IP], { detached: true, stdio: 'ignore' });
  child.unref();
  for (let i = 0; i < 150 && !fs.existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 20));
  return true;
}

export async function stopMetadataProxy(pidFile: string): Promise<void> {
  const pid = livePid(pidFile, PROXY_MARKER);
  if (pid) await killAndWait(pid);
}

function maskOf(len: number): string {
  const bits = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
  return [24, 16, 8, 0].map((s) => (bits >>> s) & 255).join('.');
}
