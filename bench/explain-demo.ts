// Builds the topology of docs/explain.md on a real Neutrino (embedded identity, SQLite) and runs
// `neutrino explain` for its worked examples: node --import tsx bench/explain-demo.ts
import { execFile } from 'node:child_process';
import { startEmbeddedIdentityServer } from '../test/helpers/embedded-identity.ts';
import { ApiClient } from '../test/helpers/server.ts';

const t = await startEmbeddedIdentityServer();
const keystone = new ApiClient(t.authUrl.replace(/\/v3$/, ''));
const login = async (user: string, password: string, project: string) => {
  const res = await keystone.post('/v3/auth/tokens', { auth: { identity: { methods: ['password'], password: { user: { name: user, domain: { name: 'Default' }, password } } }, scope: { project: { name: project, domain: { name: 'Default' } } } } });
  return { token: res.headers.get('x-subject-token')!, catalog: res.body.token.catalog };
};
const adminSession = await login('admin', t.adminPassword, 'admin');
const adminK = { token: adminSession.token };
const project = (await keystone.post('/v3/projects', { project: { name: 'shop', domain_id: 'default' } }, adminK)).body.project;
const user = (await keystone.post('/v3/users', { user: { name: 'alice', password: 'alice-pw-123', domain_id: 'default' } }, adminK)).body.user;
const member = (await keystone.get('/v3/roles?name=member', adminK)).body.roles[0];
await keystone.put(`/v3/projects/${project.id}/users/${user.id}/roles/${member.id}`, undefined, adminK);
const apiUrl = adminSession.catalog.find((s: any) => s.type === 'network').endpoints.find((e: any) => e.interface === 'public').url.replace(/\/$/, '');
const admin = new ApiClient(apiUrl, { token: adminSession.token });
const alice = new ApiClient(apiUrl, { token: (await login('alice', 'alice-pw-123', 'shop')).token });
const post = async (c: ApiClient, p: string, body: unknown) => {
  const r = await c.post(p, body);
  if (r.status !== 201) throw new Error(JSON.stringify(r.body));
  return Object.values(r.body)[0] as any;
};
const pub = await post(admin, '/v2.0/networks', { network: { name: 'public', 'router:external': true } });
await post(admin, '/v2.0/subnets', { subnet: { network_id: pub.id, name: 'public-v4', cidr: '203.0.113.0/24', ip_version: 4, enable_dhcp: false } });
const nets: Record<string, any> = {};
for (const [name, cidr] of [['app-net', '10.0.0.0/24'], ['web-net', '10.0.1.0/24'], ['db-net', '10.0.2.0/24']]) {
  nets[name] = await post(alice, '/v2.0/networks', { network: { name } });
  nets[name].subnet = await post(alice, '/v2.0/subnets', { subnet: { network_id: nets[name].id, name: `${name}-v4`, cidr, ip_version: 4 } });
}
const edge = await post(alice, '/v2.0/routers', { router: { name: 'edge', external_gateway_info: { network_id: pub.id } } });
for (const n of Object.values(nets)) await alice.put(`/v2.0/routers/${edge.id}/add_router_interface`, { subnet_id: n.subnet.id });
const web = await post(alice, '/v2.0/security-groups', { security_group: { name: 'web' } });
await post(alice, '/v2.0/security-group-rules', { security_group_rule: { security_group_id: web.id, direction: 'ingress', protocol: 'tcp', port_range_min: 443, port_range_max: 443, remote_ip_prefix: '10.0.0.0/24' } });
const db = await post(alice, '/v2.0/security-groups', { security_group: { name: 'db', stateful: false } });
await post(alice, '/v2.0/security-group-rules', { security_group_rule: { security_group_id: db.id, direction: 'ingress', protocol: 'tcp', port_range_min: 5432, port_range_max: 5432, remote_group_id: web.id } });
for (const r of (await alice.get(`/v2.0/security-group-rules?security_group_id=${db.id}&direction=egress`)).body.security_group_rules) await alice.del(`/v2.0/security-group-rules/${r.id}`);
await post(alice, '/v2.0/ports', { port: { network_id: nets['app-net'].id, name: 'app-1' } });
const web1 = await post(alice, '/v2.0/ports', { port: { network_id: nets['web-net'].id, name: 'web-1', security_groups: [web.id] } });
await post(alice, '/v2.0/ports', { port: { network_id: nets['db-net'].id, name: 'db-1', security_groups: [db.id] } });
const fip = await post(alice, '/v2.0/floatingips', { floatingip: { floating_network_id: pub.id, port_id: web1.id } });

const env = { PATH: process.env.PATH!, HOME: '/tmp', OS_AUTH_URL: t.authUrl, OS_USERNAME: 'alice', OS_PASSWORD: 'alice-pw-123', OS_PROJECT_NAME: 'shop', OS_USER_DOMAIN_NAME: 'Default', OS_PROJECT_DOMAIN_NAME: 'Default' };
const run = (...args: string[]) =>
  new Promise<void>((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'explain', ...args], { env, encoding: 'utf8' }, (err, stdout, stderr) => {
      console.log(`$ neutrino explain ${args.join(' ')}`);
      console.log(stdout + stderr);
      console.log(`(exit ${err ? err.code : 0})`);
      resolve();
    });
  });
await run('app-1', 'web-1', '--protocol', 'tcp', '--port', '443');
await run('198.51.100.7', fip.floating_ip_address, '--protocol', 'tcp', '--port', '443');
await run('web-1', 'db-1', '--protocol', 'tcp', '--port', '5432');
await run('app-1', '198.51.100.7', '--protocol', 'udp', '--port', '53', '--json');
await t.close();
