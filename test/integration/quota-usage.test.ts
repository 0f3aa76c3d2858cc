// Quota usage stays exact when it comes from the database's counters: rows created before a
// limit existed, rows created for the project by other services, deletes, failed requests,
// and concurrent creates in one process (both databases) and in two API server processes
// on one PostgreSQL database.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiClient, dialects, startTestServer, type TestServer } from '../helpers/server.ts';
import { startServerProcesses } from '../helpers/process.ts';

/** n concurrent port creates by the project's member, spread over clients. */
async function createPorts(clients: ApiClient[], project: string, networkId: string, n: number): Promise<{ created: number; overQuota: number }> {
  const results = await Promise.all(
    Array.from({ length: n }, (_, i) => clients[i % clients.length].as({ project, roles: 'member,reader' }).post('/v2.0/ports', { port: { network_id: networkId } })),
  );
  const other = results.filter((r) => r.status !== 201 && !(r.status === 409 && r.body.NeutronError?.type === 'OverQuota'));
  assert.deepEqual(other.map((r) => [r.status, r.body]), [], 'only creates and OverQuota refusals');
  return { created: results.filter((r) => r.status === 201).length, overQuota: results.filter((r) => r.status === 409).length };
}

async function usedPorts(admin: ApiClient, project: string): Promise<number> {
  const details = await admin.get(`/v2.0/quotas/${project}/details`);
  assert.equal(details.status, 200, JSON.stringify(details.body));
  return details.body.quota.port.used;
}

async function storedPorts(admin: ApiClient, project: string): Promise<string[]> {
  return (await admin.get(`/v2.0/ports?project_id=${project}`)).body.ports.map((p: { id: string }) => p.id);
}

/** The project's network with a subnet (so failed creates can also fail after the port row exists). */
async function projectNetwork(admin: ApiClient, project: string, cidr: string): Promise<string> {
  const network = await admin.post('/v2.0/networks', { network: { name: `${project}-net`, project_id: project } });
  assert.equal(network.status, 201, JSON.stringify(network.body));
  const subnet = await admin.post('/v2.0/subnets', { subnet: { network_id: network.body.network.id, ip_version: 4, cidr, project_id: project } });
  assert.equal(subnet.status, 201, JSON.stringify(subnet.body));
  return network.body.network.id;
}

for (const dialect of dialects()) {
  describe(`quota usage counters (${dialect})`, () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer(dialect);
    });
    after(async () => t?.close());

    it('count rows made before the limit, by admins for the project, deletes and concurrent creates exactly', async () => {
      const project = 'quota-count';
      const network = await projectNetwork(t.admin, project, '10.60.0.0/24');
      const member = t.client.as({ project, roles: 'member,reader' });
      // Unlimited: three ports, one of them made by an admin for the project.
      for (let i = 0; i < 2; i++) assert.equal((await member.post('/v2.0/ports', { port: { network_id: network } })).status, 201);
      assert.equal((await t.admin.post('/v2.0/ports', { port: { network_id: network, project_id: project } })).status, 201);
      assert.equal((await t.admin.put(`/v2.0/quotas/${project}`, { quota: { port: 6 } })).status, 200);
      assert.equal(await usedPorts(t.admin, project), 3);

      assert.deepEqual(await createPorts([t.admin], project, network, 6), { created: 3, overQuota: 3 });
      assert.equal(await usedPorts(t.admin, project), 6);
      // A failed create (an address already taken) leaves the usage as it was.
      const taken = (await t.admin.get(`/v2.0/ports?project_id=${project}&limit=1`)).body.ports[0].fixed_ips[0].ip_address;
      assert.equal((await t.admin.put(`/v2.0/quotas/${project}`, { quota: { port: 7 } })).status, 200);
      const failed = await member.post('/v2.0/ports', { port: { network_id: network, fixed_ips: [{ ip_address: taken }] } });
      assert.equal(failed.status, 409, JSON.stringify(failed.body));
      assert.equal(await usedPorts(t.admin, project), 6);

      const ids = await storedPorts(t.admin, project);
      for (const id of ids.slice(0, 3)) assert.equal((await t.admin.del(`/v2.0/ports/${id}`)).status, 204);
      assert.equal(await usedPorts(t.admin, project), 3);
      assert.deepEqual(await createPorts([t.admin], project, network, 8), { created: 4, overQuota: 4 });
      assert.equal(await usedPorts(t.admin, project), 7);
      assert.equal((await storedPorts(t.admin, project)).length, 7);
    });

    it('counts bulk creates whole: a bulk request over the limit creates nothing', async () => {
      const project = 'quota-bulk';
      const network = await projectNetwork(t.admin, project, '10.61.0.0/24');
      assert.equal((await t.admin.put(`/v2.0/quotas/${project}`, { quota: { port: 4 } })).status, 200);
      const member = t.client.as({ project, roles: 'member,reader' });
      const over = await member.post('/v2.0/ports', { ports: Array.from({ length: 5 }, () => ({ network_id: network })) });
      assert.equal(over.status, 409);
      assert.equal(over.body.NeutronError.type, 'OverQuota');
      assert.equal(await usedPorts(t.admin, project), 0);
      assert.equal((await member.post('/v2.0/ports', { ports: Array.from({ length: 4 }, () => ({ network_id: network })) })).status, 201);
      assert.equal(await usedPorts(t.admin, project), 4);
    });
  });
}

if (dialects().includes('postgres')) {
  describe('quota usage counters, two API server processes on one PostgreSQL database', () => {
    let clients: ApiClient[] = [];
    let stop = async () => {};

    before(async () => {
      ({ clients, stop } = await startServerProcesses(2));
    });

    after(async () => stop());

    it('never lets concurrent creates on both servers overshoot the limit, before and after deletes', async () => {
      const [admin] = clients;
      const project = 'quota-two-servers';
      const network = await projectNetwork(admin, project, '10.62.0.0/24');
      assert.equal((await admin.put(`/v2.0/quotas/${project}`, { quota: { port: 7 } })).status, 200);
      assert.deepEqual(await createPorts(clients, project, network, 20), { created: 7, overQuota: 13 });
      const ids = await storedPorts(admin, project);
      assert.equal(ids.length, 7);
      await Promise.all(ids.slice(0, 4).map((id, i) => clients[i % 2].del(`/v2.0/ports/${id}`)));
      assert.deepEqual(await createPorts(clients, project, network, 12), { created: 4, overQuota: 8 });
      assert.equal((await storedPorts(admin, project)).length, 7);
      assert.equal(await usedPorts(clients[1], project), 7);
    });
  });
}
