// Bootstraps what a cloud operator sets up before tenants arrive: the external network
// `public` (a flat provider network on physnet `public`, router:external) with the
// documentation range 203.0.113.0/24 and no DHCP. Talks plain HTTP like any client:
// a Keystone v3 password token (OS_* environment), then the catalog's network endpoint.
// Idempotent; prints the network's id on stdout.
const env = process.env;
const authUrl = (env.OS_AUTH_URL ?? '').replace(/\/+$/, '');
if (!authUrl || !env.OS_PASSWORD) throw new Error('set OS_AUTH_URL and OS_PASSWORD');

async function call(method, url, { token, body } = {}) {
  const headers = { accept: 'application/json' };
  if (token) headers['x-auth-token'] = token;
  if (body) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method, headers, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  if (!res.ok) throw Object.assign(new Error(`${method} ${url} -> ${res.status} ${text}`), { status: res.status });
  return { headers: res.headers, body: text ? JSON.parse(text) : null };
}

const auth = await call('POST', `${authUrl}/auth/tokens`, {
  body: {
    auth: {
      identity: {
        methods: ['password'],
        password: { user: { name: env.OS_USERNAME ?? 'admin', password: env.OS_PASSWORD, domain: { name: env.OS_USER_DOMAIN_NAME ?? 'Default' } } },
      },
      scope: { project: { name: env.OS_PROJECT_NAME ?? 'admin', domain: { name: env.OS_PROJECT_DOMAIN_NAME ?? 'Default' } } },
    },
  },
});
const token = auth.headers.get('x-subject-token');
const region = env.OS_REGION_NAME ?? 'RegionOne';
const endpoint = (auth.body.token.catalog ?? [])
  .filter((s) => s.type === 'network')
  .flatMap((s) => s.endpoints)
  .find((e) => e.interface === 'public' && (e.region_id ?? e.region) === region);
if (!endpoint) throw new Error(`no public network endpoint in region ${region} in the token's catalog`);
const api = `${endpoint.url.replace(/\/+$/, '')}/v2.0`;

const name = env.PUBLIC_NETWORK_NAME ?? 'public';
const existing = await call('GET', `${api}/networks?name=${encodeURIComponent(name)}&router:external=true`, { token });
let network = existing.body.networks[0];
if (!network) {
  network = (
    await call('POST', `${api}/networks`, {
      token,
      body: {
        network: {
          name,
          'router:external': true,
          'provider:network_type': 'flat',
          'provider:physical_network': 'public',
        },
      },
    })
  ).body.network;
  console.error(`created external network ${name} ${network.id}`);
}
const subnets = await call('GET', `${api}/subnets?network_id=${network.id}`, { token }).catch((err) => {
  // A build that does not serve subnets yet still gets its network tests run.
  if (err.status !== 404) throw err;
  console.error('warning: this build serves no subnets; the public network has none');
  return null;
});
if (subnets && subnets.body.subnets.length === 0) {
  const subnet = (
    await call('POST', `${api}/subnets`, {
      token,
      body: {
        subnet: {
          name: `${name}-subnet`,
          network_id: network.id,
          ip_version: 4,
          cidr: '203.0.113.0/24',
          gateway_ip: '203.0.113.1',
          enable_dhcp: false,
        },
      },
    })
  ).body.subnet;
  console.error(`created subnet ${subnet.cidr} ${subnet.id}`);
}
console.log(network.id);
