// `neutrino agent` configuration: a YAML file (--config) and NEUTRINO_AGENT_* environment
// variables. Example:
//
//   host: compute-1                  # binding:host_id of the ports this host realizes
//   server: http://controller:9696   # the Networking API
//   auth:                            # one of: token, password (Keystone v3), noauth
//     url: http://controller:5000/v3
//     username: neutrino-agent
//     password: secret
//     project: service
//   local_ip: 192.0.2.11             # VTEP address (VXLAN); absent: no VXLAN networks
//   physical_interface_mappings: { physnet1: eth1 }
//   state_dir: /var/lib/neutrino-agent
import fs from 'node:fs';
import os from 'node:os';
import YAML from 'yaml';

export interface AgentAuth {
  /** A fixed token (X-Auth-Token), e.g. from `openstack token issue` for a service user. */
  token?: string;
  /** Keystone v3 password authentication (the identity service's URL, ending in /v3). */
  url?: string;
  username?: string;
  password?: string;
  project?: string;
  user_domain?: string;
  project_domain?: string;
  /** Servers with auth.strategy noauth: send X-Roles (`roles`, default admin,service). */
  noauth?: boolean;
  roles?: string;
}

export interface AgentConfig {
  host: string;
  server: string;
  auth: AgentAuth;
  local_ip: string;
  physical_interface_mappings: Record<string, string>;
  state_dir: string;
  /** Namespace that plays this host (tests); absent: the agent's own namespace. */
  netns: string;
  /** Prefix for the namespaces the agent creates (qdhcp-…), so several agents share a kernel in tests. */
  namespace_prefix: string;
  report_interval: number;
  /** Seconds between full resyncs (every object queued again; 0: never). */
  resync_interval: number;
  /** Which parts run: l2, dhcp, metadata. */
  enable_dhcp: boolean;
  enable_metadata: boolean;
  /** Routers and floating IPs (registers an `L3 agent`; src/agent/l3/). */
  enable_l3: boolean;
  /** Security groups: `nftables` (src/agent/firewall/) or `noop` (no filtering, as Neutron's NoopFirewallDriver). */
  firewall_driver: 'nftables' | 'noop';
  dnsmasq: string;
  /** Router advertisements in router namespaces (src/agent/l3/advertise.ts). */
  radvd: string;
  log_level: string;
  /** The OVN chassis' Open_vSwitch database (`neutrino ovn metadata-agent` plugs its namespaces into br-int there). */
  ovs_db: string;
}

export const DEFAULT_AGENT_CONFIG: AgentConfig = {
  host: os.hostname(),
  server: 'http://127.0.0.1:9696',
  auth: {},
  local_ip: '',
  physical_interface_mappings: {},
  state_dir: '/var/lib/neutrino-agent',
  netns: '',
  namespace_prefix: '',
  report_interval: 10,
  resync_interval: 60,
  enable_dhcp: true,
  enable_metadata: true,
  enable_l3: true,
  firewall_driver: 'nftables',
  dnsmasq: 'dnsmasq',
  radvd: 'radvd',
  log_level: 'info',
  ovs_db: '',
};

/** Parses `physnet1:eth1,physnet2:eth2` (the form Neutron's option takes). */
export function parseMappings(raw: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of raw.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [physnet, iface] = part.split(':');
    if (!physnet || !iface) throw new Error(`bad physical_interface_mappings entry ${JSON.stringify(part)} (want physnet:interface)`);
    out[physnet] = iface;
  }
  return out;
}

export function loadAgentConfig(file?: string, env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const config: AgentConfig = structuredClone(DEFAULT_AGENT_CONFIG);
  const path = file ?? env.NEUTRINO_AGENT_CONFIG;
  if (path) {
    const parsed = (YAML.parse(fs.readFileSync(path, 'utf8')) ?? {}) as Record<string, unknown>;
    for (const [key, value] of Object.entries(parsed)) {
      if (!(key in config)) throw new Error(`unknown agent configuration key ${key} in ${path}`);
      (config as any)[key] = key === 'physical_interface_mappings' && typeof value === 'string' ? parseMappings(value) : value;
    }
  }
  for (const key of Object.keys(config) as (keyof AgentConfig)[]) {
    const raw = env[`NEUTRINO_AGENT_${key.toUpperCase()}`];
    if (raw === undefined) continue;
    const current = config[key];
    if (key === 'physical_interface_mappings') config.physical_interface_mappings = parseMappings(raw);
    else if (key === 'auth') config.auth = JSON.parse(raw);
    else if (typeof current === 'number') (config as any)[key] = Number(raw);
    else if (typeof current === 'boolean') (config as any)[key] = /^(1|true|yes|on)$/i.test(raw);
    else (config as any)[key] = raw;
  }
  if (env.NEUTRINO_AGENT_TOKEN) config.auth = { ...config.auth, token: env.NEUTRINO_AGENT_TOKEN };
  if (!config.host) throw new Error('agent configuration: host is required');
  if (!/^https?:\/\//.test(config.server)) throw new Error(`agent configuration: server must be an http(s) URL, got ${JSON.stringify(config.server)}`);
  return config;
}
