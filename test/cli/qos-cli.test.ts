// QoS with the real `openstack` CLI against Neutrino with its embedded identity: an
// operator makes a policy for a project with bandwidth limit, DSCP marking and minimum
// bandwidth rules; the project's member uses it on a network and a port and cannot change
// it; another project sees it only once it is shared; a policy in use is not deleted.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cliSkip, startCliSession, type CliSession, type OpenStackCli } from '../helpers/openstack-cli.ts';

describe('openstack network qos commands against Neutrino (embedded identity, SQLite)', { skip: cliSkip }, () => {
  let session: CliSession;
  let admin: OpenStackCli;
  let alice: OpenStackCli; // member of project demo
  let bob: OpenStackCli; // member of project other
  const made: Record<string, any> = {};

  before(async () => {
    session = await startCliSession([['demo', 'alice'], ['other', 'bob']]);
    ({ admin, users: { alice, bob } } = session);
    made.demo = session.projects.demo;
  });
  after(async () => session?.close());

  it('admin creates a policy for a project and gives it rules', async () => {
    const policy = await admin.json('network', 'qos', 'policy', 'create', '--project', made.demo.id, '--description', '10 Mbit/s', 'gold');
    assert.equal(policy.name, 'gold');
    assert.equal(policy.project_id, made.demo.id);
    assert.equal(policy.shared, false);
    made.policy = policy;
    const bw = await admin.json('network', 'qos', 'rule', 'create', '--type', 'bandwidth-limit', '--max-kbps', '10000', '--max-burst-kbits', '8000', '--egress', 'gold');
    assert.equal(bw.max_kbps, 10000);
    assert.equal(bw.max_burst_kbps, 8000);
    assert.equal(bw.direction, 'egress');
    made.bw = bw;
    const dscp = await admin.json('network', 'qos', 'rule', 'create', '--type', 'dscp-marking', '--dscp-mark', '26', 'gold');
    assert.equal(dscp.dscp_mark, 26);
    const min = await admin.json('network', 'qos', 'rule', 'create', '--type', 'minimum-bandwidth', '--min-kbps', '1000', '--egress', 'gold');
    assert.equal(min.min_kbps, 1000);
    assert.match(await admin.fails('network', 'qos', 'rule', 'create', '--type', 'dscp-marking', '--dscp-mark', '10', 'gold'), /409|conflict/i);
    assert.match(await admin.fails('network', 'qos', 'rule', 'create', '--type', 'dscp-marking', '--dscp-mark', '7', 'gold'), /400|dscp_mark/i);

    const rules = await admin.json('network', 'qos', 'rule', 'list', 'gold');
    assert.equal(rules.length, 3);
    await admin.ok('network', 'qos', 'rule', 'set', '--max-kbps', '20000', 'gold', bw.id);
    const shown = await admin.json('network', 'qos', 'rule', 'show', 'gold', bw.id);
    assert.equal(shown.max_kbps, 20000);
    const policyShown = await admin.json('network', 'qos', 'policy', 'show', 'gold');
    assert.equal(policyShown.rules.length, 3);
  });

  it('lists the rule types, with details for the admin', async () => {
    const types = (await alice.json('network', 'qos', 'rule', 'type', 'list')).map((r: { Type: string }) => r.Type);
    assert.ok(types.includes('bandwidth_limit'), JSON.stringify(types));
    const details = await admin.json('network', 'qos', 'rule', 'type', 'show', 'bandwidth_limit');
    assert.equal(details.rule_type_name ?? details.type, 'bandwidth_limit');
    assert.ok(Array.isArray(details.drivers));
  });

  it("the project's member uses the policy but cannot change it", async () => {
    const listed = (await alice.json('network', 'qos', 'policy', 'list')).map((p: { Name: string }) => p.Name);
    assert.deepEqual(listed, ['gold']);
    const net = await alice.json('network', 'create', '--qos-policy', 'gold', 'qos-net');
    assert.equal(net.qos_policy_id, made.policy.id);
    made.net = net;
    await alice.json('subnet', 'create', '--network', 'qos-net', '--subnet-range', '10.40.0.0/24', 'qos-subnet');
    const port = await alice.json('port', 'create', '--network', 'qos-net', '--qos-policy', 'gold', 'qos-port');
    assert.equal(port.qos_policy_id, made.policy.id);
    made.port = port;
    assert.match(await alice.fails('network', 'qos', 'policy', 'create', 'mine'), /403|not allowed|disallowed/i);
    assert.match(await alice.fails('network', 'qos', 'rule', 'set', '--max-kbps', '1', 'gold', made.bw.id), /403|disallowed/i);
    await alice.ok('port', 'unset', '--qos-policy', 'qos-port');
    assert.equal((await alice.json('port', 'show', 'qos-port')).qos_policy_id, null);
  });

  it('another project sees the policy only once it is shared; a policy in use is kept', async () => {
    assert.deepEqual(await bob.json('network', 'qos', 'policy', 'list'), []);
    await admin.ok('network', 'qos', 'policy', 'set', '--share', 'gold');
    const seen = (await bob.json('network', 'qos', 'policy', 'list')).map((p: { ID: string }) => p.ID);
    assert.deepEqual(seen, [made.policy.id]);
    assert.match(await admin.fails('network', 'qos', 'policy', 'delete', made.policy.id), /in use|used by|409/i);
    await alice.ok('port', 'delete', 'qos-port');
    await alice.ok('subnet', 'delete', 'qos-subnet');
    await alice.ok('network', 'delete', 'qos-net');
    await admin.ok('network', 'qos', 'policy', 'delete', made.policy.id);
    assert.deepEqual(await alice.json('network', 'qos', 'policy', 'list'), []);
  });
});
