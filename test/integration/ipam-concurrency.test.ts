// IPAM under concurrency: never one address twice in a subnet nor one MAC twice in a
// network, and exhaustion answered with 409 IpAddressGenerationFailure (no 500). In one
// process on both databases, and on PostgreSQL with two real API server processes.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient, dialects, startTestServer, type ApiResponse, type TestServer } from '../helpers/server.ts';
import { startServerProcesses } from '../helpers/process.ts';

interface Port {
  mac_address: string;
  fixed_ips: { subnet_id: string; ip_address: string }[];
}

async function networkWithSubnet(c: ApiClient, cidr: string): Promise<{ networkId: string; subnetId: string }> {
  const network = (await c.post('/v2.0/networks', { network: { name: `net-${cidr}` } })).body.network;
  const subnet = await c.post('/v2.0/subnets', { subnet: { network_id: network.id, ip_version: 4, cidr } });
  assert.equal(subnet.status, 201, JSON.stringify(subnet.body));
  return { networkId: network.id, subnetId: subnet.body.subnet.id };
}

/** n concurrent port creates, each in its own project (so no per-project lock serializes them), spread over clients. */
function createConcurrently(clients: ApiClient[], networkId: string, n: number): Promise<ApiResponse[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => clients[i % clients.length].post('/v2.0/ports', { port: { network_id: networkId, project_id: `race-${i}` } })));
}

function assertDistinct(ports: Port[]): void {
  const ips = ports.flatMap((p) => p.fixed_ips.map((f) => `${f.subnet_id}/${f.ip_address}`));
  const macs = ports.map((p) => p.mac_address);
  assert.equal(new Set(ips).size, ips.length, 'an address was given twice');
  assert.equal(new Set(macs).size, macs.length, 'a MAC was given twice');
}

/** 32 creates in a /24, 8 in a /29 (5 usable): checks responses and what is stored. */
async function raceScenario(clients: ApiClient[], admin: ApiClient): Promise<void> {
  const big = await networkWithSubnet(admin, '10.40.0.0/24');
  const results = await createConcurrently(clients, big.networkId, 32);
  assert.deepEqual(results.map((r) => r.status), Array(32).fill(201), JSON.stringify(results.find((r) => r.status !== 201)?.body));
  assertDistinct(results.map((r) => r.body.port));
  const stored = (await admin.get(`/v2.0/ports?network_id=${big.networkId}`)).body.ports as Port[];
  assert.equal(stored.length, 32);
  assertDistinct(stored);

  const small = await networkWithSubnet(admin, '10.41.0.0/29');
  const race = await createConcurrently(clients, small.networkId, 8);
  const created = race.filter((r) => r.status === 201);
  const refused = race.filter((r) => r.status !== 201);
  assert.equal(created.length, 5, JSON.stringify(race.map((r) => r.status)));
  assert.deepEqual(refused.map((r) => [r.status, r.body.NeutronError.type]), Array(3).fill([409, 'IpAddressGenerationFailure']));
  const ips = created.map((r) => r.body.port.fixed_ips[0].ip_address).sort();
  assert.deepEqual(ips, ['10.41.0.2', '10.41.0.3', '10.41.0.4', '10.41.0.5', '10.41.0.6']);
  assert.equal((await admin.get(`/v2.0/ports?network_id=${small.networkId}`)).body.ports.length, 5, 'refused creates left no port');
}

for (const dialect of dialects()) {
  describe(`IPAM concurrency, one process (${dialect})`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer(dialect);
    });
    after(async () => t?.close());

    it('gives distinct addresses and MACs to concurrent creates and refuses cleanly when exhausted', async () => {
      await raceScenario([t.admin], t.admin);
    });
  });
}

if (dialects().includes('postgres')) {
  describe('IPAM concurrency, two API server processes on one PostgreSQL database', () => {
    let clients: ApiClient[] = [];
    let stop = async () => {};

    before(async () => {
      ({ clients, stop } = await startServerProcesses(2));
    });

    after(async () => stop());

    it('gives distinct addresses and MACs across servers and refuses cleanly when exhausted', async () => {
      await raceScenario(clients, clients[0]);
    });
  });
}
