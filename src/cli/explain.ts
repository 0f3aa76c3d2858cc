// `neutrino explain SRC DST --protocol tcp --port 443`: asks the Networking API's
// reachability analysis (POST /v2.0/reachability/explain) as a user, with the credentials
// the openstack CLI reads — OS_CLOUD (clouds.yaml), OS_AUTH_URL/OS_USERNAME/OS_PASSWORD/
// OS_PROJECT_NAME (Keystone v3 password), or OS_TOKEN — and the network endpoint from the
// token's catalog (OS_ENDPOINT overrides it). SRC and DST are port ids, port names or
// addresses. Prints the path hop by hop, or the API's JSON with --json. --verify asks the
// backend to check the path in the realized dataplane (admins) and prints each host's checks.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ipaddr from 'ipaddr.js';
import YAML from 'yaml';
import type { ReachabilityAnswer } from '../extensions/reachability/reachability-service.ts';

export interface ExplainOptions {
  protocol: string;
  port?: string;
  sourceIp?: string;
  json?: boolean;
  verify?: boolean;
}

interface Credentials {
  authUrl?: string;
  username?: string;
  password?: string;
  projectName?: string;
  projectId?: string;
  userDomain: string;
  projectDomain: string;
  token?: string;
  endpoint?: string;
  region?: string;
  interface: string;
}

/** Exit codes: 0 reachable, 2 not reachable, 3 unknown, 4 the dataplane drifted from intent (--verify; errors exit 1). */
export const EXIT = { reachable: 0, not_reachable: 2, unknown: 3, drift: 4 } as const;

/** The named cloud of clouds.yaml, where the openstack CLI looks for it. */
function cloudsYaml(name: string): Record<string, any> {
  const places = [process.env.OS_CLIENT_CONFIG_FILE, 'clouds.yaml', path.join(os.homedir(), '.config/openstack/clouds.yaml'), '/etc/openstack/clouds.yaml'];
  for (const file of places) {
    if (!file || !fs.existsSync(file)) continue;
    const cloud = (YAML.parse(fs.readFileSync(file, 'utf8')) as { clouds?: Record<string, any> })?.clouds?.[name];
    if (cloud) return cloud;
  }
  throw new Error(`cloud ${name} not found in clouds.yaml (${places.filter(Boolean).join(', ')})`);
}

function credentials(env: NodeJS.ProcessEnv): Credentials {
  const cloud = env.OS_CLOUD ? cloudsYaml(env.OS_CLOUD) : {};
  const auth = (cloud.auth ?? {}) as Record<string, string | undefined>;
  return {
    authUrl: env.OS_AUTH_URL ?? auth.auth_url,
    username: env.OS_USERNAME ?? auth.username,
    password: env.OS_PASSWORD ?? auth.password,
    projectName: env.OS_PROJECT_NAME ?? auth.project_name,
    projectId: env.OS_PROJECT_ID ?? auth.project_id,
    userDomain: env.OS_USER_DOMAIN_NAME ?? auth.user_domain_name ?? 'Default',
    projectDomain: env.OS_PROJECT_DOMAIN_NAME ?? auth.project_domain_name ?? 'Default',
    token: env.OS_TOKEN ?? auth.token,
    endpoint: env.OS_ENDPOINT ?? env.OS_URL ?? cloud.network_endpoint_override ?? auth.endpoint,
    region: env.OS_REGION_NAME ?? cloud.region_name,
    interface: env.OS_INTERFACE ?? cloud.interface ?? 'public',
  };
}

/** A token and the Networking API's URL for these credentials. */
async function session(c: Credentials): Promise<{ token: string; endpoint: string }> {
  if (c.token && c.endpoint) return { token: c.token, endpoint: c.endpoint };
  if (!c.authUrl) throw new Error('no credentials: set OS_CLOUD, or OS_AUTH_URL with OS_USERNAME/OS_PASSWORD/OS_PROJECT_NAME, or OS_TOKEN with OS_ENDPOINT');
  const identity = c.token
    ? { methods: ['token'], token: { id: c.token } }
    : { methods: ['password'], password: { user: { name: c.username, domain: { name: c.userDomain }, password: c.password } } };
  const scope = c.projectId ? { project: { id: c.projectId } } : { project: { name: c.projectName, domain: { name: c.projectDomain } } };
  const res = await fetch(`${c.authUrl.replace(/\/$/, '')}/auth/tokens`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ auth: { identity, scope } }) });
  const body = (await res.json().catch(() => null)) as any;
  if (res.status !== 201) throw new Error(`authentication failed (${res.status}): ${body?.error?.message ?? 'no message'}`);
  const token = res.headers.get('x-subject-token')!;
  if (c.endpoint) return { token, endpoint: c.endpoint };
  const network = (body?.token?.catalog ?? []).find((s: { type: string }) => s.type === 'network');
  const endpoint = network?.endpoints?.find((e: { interface: string; region?: string; region_id?: string }) => e.interface === c.interface && (!c.region || e.region === c.region || e.region_id === c.region));
  if (!endpoint) throw new Error(`no ${c.interface} network endpoint in the catalog${c.region ? ` for region ${c.region}` : ''}`);
  return { token, endpoint: endpoint.url };
}

async function call(s: { token: string; endpoint: string }, method: string, urlPath: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${s.endpoint.replace(/\/$/, '')}${urlPath}`, {
    method,
    headers: { accept: 'application/json', 'content-type': 'application/json', 'x-auth-token': s.token },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An argument as the API's endpoint: an address, a port id, or a port name (which must be unique). */
async function endpointOf(s: { token: string; endpoint: string }, arg: string): Promise<{ port_id?: string; ip_address?: string }> {
  if (ipaddr.isValid(arg)) return { ip_address: arg };
  if (UUID.test(arg)) return { port_id: arg };
  const found = await call(s, 'GET', `/v2.0/ports?name=${encodeURIComponent(arg)}&fields=id`);
  const ports = (found.body?.ports ?? []) as { id: string }[];
  if (ports.length !== 1) throw new Error(ports.length ? `${ports.length} ports are named ${arg}: give its id` : `no port, address or port id ${arg}`);
  return { port_id: ports[0].id };
}

/** The answer for a person: verdict, then the hops (✓ passed, ✗ blocked), then what blocks it and the change that opens it. */
export function formatAnswer(a: ReachabilityAnswer): string {
  const end = (e: { port_id?: string; ip_address: string }) => (e.port_id ? `port ${e.port_id} (${e.ip_address})` : e.ip_address);
  const traffic = a.protocol === 'any' ? 'any protocol' : a.port === null ? a.protocol : a.protocol === 'icmp' ? `icmp type ${a.port}` : `${a.protocol}/${a.port}`;
  const lines = [`${traffic} from ${end(a.source)} to ${end(a.destination)}: ${a.verdict.replace('_', ' ').toUpperCase()}`];
  const hops = (title: string, list: ReachabilityAnswer['forward']) => {
    if (!list.length) return;
    lines.push('', title);
    for (const h of list) lines.push(`  ${h.ok ? '✓' : '✗'} ${h.kind.padEnd(17)} ${h.detail}`);
  };
  hops('forward', a.forward);
  hops('return', a.return);
  if (a.blocked_by) lines.push('', `blocked by: ${a.blocked_by.kind} (${a.blocked_by.direction}) — ${a.blocked_by.reason}`);
  if (a.suggestion) lines.push(`to open it: ${a.suggestion}`);
  if (a.note) lines.push('', `note: ${a.note}`);
  if (a.verification) lines.push('', ...formatVerification(a.verification));
  return lines.join('\n');
}

const MARK = { agrees: '✓', drift: '✗', not_answered: '?', not_checked: '-' } as const;

/** verify's answer: agreement, then each host's checks (✓ agrees, ✗ drift, ? not answered, - not checked). */
function formatVerification(v: NonNullable<ReachabilityAnswer['verification']>): string[] {
  const word = v.agreement === true ? 'the dataplane AGREES with intent' : v.agreement === false ? `DRIFT on ${v.drift.length} check(s)` : 'INCOMPLETE (some checks were not answered)';
  const lines = [`verified by backend ${v.backend}: ${word}`];
  if (v.trace) lines.push(`  trace: ${v.trace.verdict} — ${v.trace.detail}`);
  for (const h of v.hosts) {
    lines.push(`  ${h.host ? `host ${h.host}` : 'no host'} (${h.state})`);
    for (const c of h.checks) lines.push(`    ${MARK[c.status]} ${c.id.padEnd(4)} ${c.kind.padEnd(20)} ${c.intent}${c.status === 'agrees' ? '' : `\n${' '.repeat(31)}dataplane: ${c.dataplane}`}`);
  }
  return lines;
}

/** Runs the command; returns the exit code. */
export async function explainCommand(src: string, dst: string, options: ExplainOptions, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const s = await session(credentials(env));
  const source = await endpointOf(s, src);
  if (options.sourceIp) source.ip_address = options.sourceIp;
  const destination = await endpointOf(s, dst);
  const body: Record<string, unknown> = { source, destination, protocol: options.protocol };
  if (options.port !== undefined) body.port = Number(options.port);
  if (options.verify) body.verify = true;
  const res = await call(s, 'POST', '/v2.0/reachability/explain', { reachability: body });
  if (res.status !== 200) throw new Error(`${res.status} ${res.body?.NeutronError?.type ?? ''}: ${res.body?.NeutronError?.message ?? JSON.stringify(res.body)}`);
  const answer = res.body.reachability as ReachabilityAnswer;
  console.log(options.json ? JSON.stringify(answer, null, 2) : formatAnswer(answer));
  return answer.verification?.agreement === false ? EXIT.drift : EXIT[answer.verdict];
}
