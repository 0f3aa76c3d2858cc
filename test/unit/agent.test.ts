// Units of the host agent: the keyed work queue, a worker per reconciler, and what dnsmasq is told.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WorkQueue } from '../../src/agent/queue.ts';
import { dnsmasqFiles } from '../../src/agent/dhcp/dnsmasq.ts';

test('work queue: a key is queued once, never processed twice at once, re-queued when added while processed', async () => {
  const q = new WorkQueue({ baseDelayMs: 5, maxDelayMs: 40 });
  q.add('a');
  q.add('b');
  q.add('a');
  assert.equal(q.length, 2);
  const first = await q.get();
  assert.equal(first, 'a');
  q.add('a'); // changed again while being processed
  assert.equal(await q.get(), 'b', 'a is not handed out while in progress');
  assert.equal(q.length, 0);
  q.done('a');
  assert.equal(await q.get(), 'a', 'then it comes back once');
  q.done('a');
  q.done('b');
  assert.ok(q.idle);
});

test('work queue: failures back off per key, exponentially and capped; forget resets', async () => {
  const q = new WorkQueue({ baseDelayMs: 10, maxDelayMs: 40 });
  const started = Date.now();
  q.addRateLimited('x'); // 10 ms
  assert.equal(q.retries('x'), 1);
  assert.equal(await q.get(), 'x');
  assert.ok(Date.now() - started >= 9);
  q.done('x');
  q.addRateLimited('x'); // 20 ms
  q.addRateLimited('x'); // already waiting: no second timer
  q.add('y'); // other keys are not blocked
  assert.equal(await q.get(), 'y');
  q.done('y');
  assert.equal(await q.get(), 'x');
  q.done('x');
  for (let i = 0; i < 5; i++) q.addRateLimited('z');
  assert.equal(q.retries('z'), 5);
  q.forget('z');
  assert.equal(q.retries('z'), 0);
  q.shutdown();
  assert.equal(await q.get(), null);
});

test('dnsmasq: static ranges per subnet, router, DNS, option 121 with the metadata route and the default route, MTU, one host file per port', () => {
  const files = dnsmasqFiles({
    network: { id: 'net', mtu: 1450 },
    subnets: [
      { id: 's1', cidr: '10.0.0.0/24', ip_version: 4, gateway_ip: '10.0.0.1', dns_nameservers: ['198.51.100.53'], host_routes: [{ destination: '198.51.100.0/24', nexthop: '10.0.0.254' }], enable_dhcp: true },
      { id: 's2', cidr: '10.9.0.0/24', ip_version: 4, gateway_ip: null, dns_nameservers: [], host_routes: [], enable_dhcp: false },
    ],
    ports: [
      { id: 'p1', mac_address: 'fa:16:3e:00:00:01', fixed_ips: [{ subnet_id: 's1', ip_address: '10.0.0.5' }] },
      { id: 'p2', mac_address: 'fa:16:3e:00:00:02', fixed_ips: [{ subnet_id: 's1', ip_address: '10.0.0.6' }], dns_name: 'web', extra_dhcp_opts: [{ opt_name: 'tftp-server', opt_value: '10.0.0.9' }] },
      { id: 'p3', mac_address: 'fa:16:3e:00:00:03', fixed_ips: [{ subnet_id: 's2', ip_address: '10.9.0.5' }] },
      { id: 'd', mac_address: 'fa:16:3e:00:00:04', fixed_ips: [{ subnet_id: 's1', ip_address: '10.0.0.2' }], device_owner: 'network:dhcp' },
    ],
    dhcpPort: { ip_by_subnet: new Map([['s1', '10.0.0.2']]) },
    interfaceName: 'ns-x',
    dir: '/state/net',
    metadata: true,
  });
  assert.ok(files.args.includes('--dhcp-range=set:subnet-s1,10.0.0.0,static,255.255.255.0,86400s'));
  assert.ok(!files.args.some((a) => a.includes('10.9.0.0')), 'no range for a subnet without DHCP');
  assert.ok(files.args.includes('--dhcp-hostsdir=/state/net/host'));
  assert.deepEqual(files.opts.trim().split('\n'), [
    'tag:subnet-s1,option:router,10.0.0.1',
    'tag:subnet-s1,option:classless-static-route,169.254.169.254/32,10.0.0.2,198.51.100.0/24,10.0.0.254,0.0.0.0/0,10.0.0.1',
    'tag:subnet-s1,option:dns-server,198.51.100.53',
    'tag:subnet-s1,option:mtu,1450',
  ]);
  assert.deepEqual([...files.portOpts], [['p2', 'tag:port-p2,option:tftp-server,10.0.0.9\n']], 'a port\'s extra options in its own --dhcp-optsdir file');
  assert.ok(files.args.includes('--dhcp-optsdir=/state/net/portopts'));
  assert.ok(files.args.includes('--dhcp-lease-max=256'), 'the served subnets\' size, not the port count (a new port restarts nothing)');
  assert.deepEqual([...files.hosts], [
    ['p1', 'fa:16:3e:00:00:01,10.0.0.5,host-10-0-0-5\n'],
    ['p2', 'fa:16:3e:00:00:02,set:port-p2,10.0.0.6,web\n'],
  ]);
});

test('dnsmasq: the domain and hostnames come from the ports’ dns_assignment; no domain without one', () => {
  const subnet = { id: 's1', cidr: '10.0.0.0/24', ip_version: 4, gateway_ip: '10.0.0.1', dns_nameservers: [], host_routes: [], enable_dhcp: true };
  const base = { network: { id: 'net', mtu: 1450 }, subnets: [subnet], dhcpPort: { ip_by_subnet: new Map([['s1', '10.0.0.2']]) }, interfaceName: 'ns-x', dir: '/d', metadata: false };
  const files = dnsmasqFiles({
    ...base,
    ports: [{ id: 'p1', mac_address: 'fa:16:3e:00:00:01', fixed_ips: [{ subnet_id: 's1', ip_address: '10.0.0.5' }], dns_name: 'vm1', dns_assignment: [{ hostname: 'vm1', ip_address: '10.0.0.5', fqdn: 'vm1.example.org.' }] }],
  });
  assert.ok(files.args.includes('--domain=example.org'));
  assert.deepEqual([...files.hosts], [['p1', 'fa:16:3e:00:00:01,10.0.0.5,vm1\n']]);
  const plain = dnsmasqFiles({ ...base, ports: [{ id: 'p1', mac_address: 'fa:16:3e:00:00:01', fixed_ips: [{ subnet_id: 's1', ip_address: '10.0.0.5' }] }] });
  assert.ok(!plain.args.some((a) => a.startsWith('--domain')));
});

test('dnsmasq: DHCPv6 — static ranges for stateful and stateless subnets (none for slaac or shorter than /64), stateful addresses on the host line, DNS and domain, option6 extra options', () => {
  const v6 = (id: string, cidr: string, mode: string | null, ra: string | null = mode) => ({ id, cidr, ip_version: 6, gateway_ip: null, dns_nameservers: ['2001:db8::53', '198.51.100.53'], host_routes: [], enable_dhcp: true, ipv6_address_mode: mode, ipv6_ra_mode: ra });
  const files = dnsmasqFiles({
    network: { id: 'net', mtu: 1450 },
    subnets: [
      { id: 's4', cidr: '10.0.0.0/24', ip_version: 4, gateway_ip: '10.0.0.1', dns_nameservers: ['2001:db8::53'], host_routes: [], enable_dhcp: true },
      v6('sf', '2001:db8:1::/64', 'dhcpv6-stateful'),
      v6('sl', '2001:db8:2::/64', 'dhcpv6-stateless'),
      v6('sa', '2001:db8:3::/64', 'slaac'),
      v6('sx', '2001:db8:4::/64', null, 'slaac'),
      v6('sn', '2001:db8:5::/64', null, null),
      v6('sw', '2001:db8:6::/56', 'dhcpv6-stateful'),
    ],
    ports: [
      {
        id: 'p1',
        mac_address: 'fa:16:3e:00:00:01',
        fixed_ips: [
          { subnet_id: 's4', ip_address: '10.0.0.5' },
          { subnet_id: 'sf', ip_address: '2001:db8:1::5' },
          { subnet_id: 'sl', ip_address: '2001:db8:2::f816:3eff:fe00:1' },
          { subnet_id: 'sa', ip_address: '2001:db8:3::f816:3eff:fe00:1' },
        ],
        dns_assignment: [{ hostname: 'vm1', ip_address: '10.0.0.5', fqdn: 'vm1.example.org.' }],
        extra_dhcp_opts: [
          { opt_name: 'sntp-server', opt_value: '2001:db8::123', ip_version: 6 },
          { opt_name: '66', opt_value: '10.0.0.9', ip_version: 4 },
          { opt_name: '22', opt_value: '2001:db8::7,2001:db8::8', ip_version: 6 },
        ],
      },
      { id: 'p2', mac_address: 'fa:16:3e:00:00:02', fixed_ips: [{ subnet_id: 'sf', ip_address: '2001:db8:1::6' }] },
      { id: 'p3', mac_address: 'fa:16:3e:00:00:03', fixed_ips: [{ subnet_id: 'sl', ip_address: '2001:db8:2::f816:3eff:fe00:3' }] },
      { id: 'p4', mac_address: 'fa:16:3e:00:00:04', fixed_ips: [{ subnet_id: 'sa', ip_address: '2001:db8:3::f816:3eff:fe00:4' }] },
    ],
    dhcpPort: { ip_by_subnet: new Map([['s4', '10.0.0.2']]) },
    interfaceName: 'ns-x',
    dir: '/d',
    metadata: false,
  });
  assert.deepEqual(files.args.filter((a) => a.startsWith('--dhcp-range=')), [
    '--dhcp-range=set:subnet-s4,10.0.0.0,static,255.255.255.0,86400s',
    '--dhcp-range=set:subnet-sf,2001:db8:1::,static,64,86400s',
    '--dhcp-range=set:subnet-sl,2001:db8:2::,static,64,86400s',
    '--dhcp-range=set:subnet-sn,2001:db8:5::,static,64,86400s',
  ]);
  assert.ok(!files.args.includes('--enable-ra'), 'RAs come from the router, not the DHCP namespace');
  const opts = files.opts.trim().split('\n');
  assert.ok(!opts.some((l) => l.startsWith('tag:subnet-s4,option:dns-server')), 'no IPv4 DNS option from IPv6 name servers only');
  for (const s of ['sf', 'sl', 'sn']) {
    assert.ok(opts.includes(`tag:subnet-${s},option6:dns-server,[2001:db8::53]`), s);
    assert.ok(opts.includes(`tag:subnet-${s},option6:domain-search,example.org`), s);
  }
  assert.deepEqual(files.portOpts.get('p1')!.trim().split('\n'), ['tag:port-p1,option6:sntp-server,[2001:db8::123]', 'tag:port-p1,66,10.0.0.9', 'tag:port-p1,option6:22,[2001:db8::7],[2001:db8::8]']);
  assert.ok(files.args.includes(`--dhcp-lease-max=${2 ** 24}`), 'capped as Neutron\'s dnsmasq_lease_max');
  assert.deepEqual([...files.hosts], [
    ['p1', 'fa:16:3e:00:00:01,set:port-p1,10.0.0.5,[2001:db8:1::5],vm1\n'],
    ['p2', 'fa:16:3e:00:00:02,[2001:db8:1::6],host-2001-db8-1--6\n'],
    ['p3', 'fa:16:3e:00:00:03,host-2001-db8-2--f816-3eff-fe00-3\n'],
  ]);
});

test('agent: each reconciler has its own queue and worker, so a slow sync does not hold up another reconciler', async () => {
  const { Agent } = await import('../../src/agent/agent.ts');
  const { DEFAULT_AGENT_CONFIG } = await import('../../src/agent/config.ts');
  let release!: () => void;
  const slowDone = new Promise<void>((r) => (release = r));
  const synced: string[] = [];
  const factory = (name: string, sync: (key: string) => Promise<void>) => ({
    name,
    enabled: () => true,
    create: () => ({ name, resources: [], keysFor: () => [], keys: () => [], sync }),
  });
  const agent = new Agent({ ...DEFAULT_AGENT_CONFIG, host: 'unit', server: 'http://127.0.0.1:9', auth: { noauth: true }, log_level: 'silent' }, [
    factory('slow', async (k) => {
      synced.push(`slow:${k}`);
      await slowDone;
    }),
    factory('fast', async (k) => void synced.push(`fast:${k}`)),
  ]);
  agent.startWorkers();
  agent.queues.get('slow')!.add('a');
  agent.queues.get('slow')!.add('b');
  agent.queues.get('fast')!.add('x');
  agent.queues.get('fast')!.add('y');
  for (let i = 0; i < 50 && synced.length < 3; i++) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(synced, ['slow:a', 'fast:x', 'fast:y'], 'the fast reconciler ran while the slow one was busy; slow:b waits in its own queue');
  release();
  await agent.whenIdle();
  assert.deepEqual(synced, ['slow:a', 'fast:x', 'fast:y', 'slow:b']);
  for (const q of agent.queues.values()) q.shutdown();
});
