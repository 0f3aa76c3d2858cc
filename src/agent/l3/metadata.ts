// Metadata through the router (Neutron's metadata proxy in the router namespace): the
// router namespace holds 169.254.169.254/32 on lo, so a workload whose default route is the
// router reaches it without NAT and with its own source address; the same small proxy the
// DHCP namespaces run (src/agent/dhcp/metadata.ts) listens there and forwards to this module's
// unix socket, naming the router. The answer comes from the agent's metadata logic, for
// the port holding the caller's address on one of the router's internal networks.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { MetadataServer, METADATA_IP, ensureMetadataProxy, stopMetadataProxy, type MetadataSource } from '../dhcp/metadata.ts';
import type { Host } from '../host.ts';
import { routerPorts } from './plan.ts';

export class RouterMetadata {
  private server?: http.Server;
  private readonly answers: MetadataServer;

  constructor(
    private readonly source: MetadataSource & { readonly host: Host },
    readonly socketPath: string,
  ) {
    this.answers = new MetadataServer(source, socketPath);
  }

  async listen(): Promise<void> {
    fs.rmSync(this.socketPath, { force: true });
    this.server = http.createServer((req, res) => {
      const routerId = String(req.headers['x-neutrino-network-id'] ?? '');
      const caller = String(req.headers['x-forwarded-for'] ?? '');
      const network = this.networkOf(routerId, caller);
      const answer = network ? this.answers.answer(network, caller, (req.url ?? '/').split('?')[0]) : { status: 404, body: 'no network of this router has your address\n' };
      res.writeHead(answer.status, { 'content-type': answer.json ? 'application/json' : 'text/plain' });
      res.end(answer.json ? JSON.stringify(answer.body) : String(answer.body));
    });
    await new Promise<void>((resolve) => this.server!.listen(this.socketPath, resolve));
  }

  async close(): Promise<void> {
    await new Promise((r) => (this.server ? this.server.close(r) : r(undefined)));
    fs.rmSync(this.socketPath, { force: true });
  }

  /** The router's internal network on which a port holds the caller's address. */
  networkOf(routerId: string, caller: string): string | undefined {
    for (const p of routerPorts(routerId, this.source.ports).interfaces) if (this.answers.portFor(p.network_id, caller)) return p.network_id;
    return undefined;
  }

  private pidFile(routerId: string): string {
    return path.join(path.dirname(this.socketPath), routerId, 'metadata.pid');
  }

  async ensure(routerId: string, namespace: string): Promise<void> {
    const have = JSON.parse((await this.source.host.must('ip', ['-n', namespace, '-j', 'addr', 'show', 'dev', 'lo'])) || '[]');
    if (!(have[0]?.addr_info ?? []).some((a: { local: string }) => a.local === METADATA_IP)) {
      await this.source.host.must('ip', ['-n', namespace, 'addr', 'add', `${METADATA_IP}/32`, 'dev', 'lo']);
      this.source.host.changes++;
    }
    if (await ensureMetadataProxy(namespace, this.socketPath, routerId, this.pidFile(routerId))) this.source.host.changes++;
  }

  async stop(routerId: string): Promise<void> {
    await stopMetadataProxy(this.pidFile(routerId));
  }
}
