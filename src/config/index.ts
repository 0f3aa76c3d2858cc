// Configuration: built-in defaults, overlaid by one YAML file, overlaid by environment
// variables. Every key has an environment form: NEUTRINO_<SECTION>_<KEY> in upper case,
// e.g. api.port -> NEUTRINO_API_PORT, database.url -> NEUTRINO_DATABASE_URL.
// See docs/configuration.md for the meaning of each key.
import fs from 'node:fs';
import YAML from 'yaml';

export interface NeutrinoConfig {
  api: {
    host: string;
    port: number;
    /** Public URL clients are told to use (links, catalog); derived from host/port when empty. */
    public_url: string;
    /** Maximum items a list returns when the client gives no limit (0 = unlimited). */
    pagination_max_limit: number;
    /** Largest request body in bytes (Neutron's max_request_body_size, 112 KiB); larger ones answer 413. */
    max_request_body_size: number;
    /** Most items one bulk create may hold (0 = no limit beyond the body size). */
    max_bulk_items: number;
    /** Most tags one resource may carry (0 = unlimited). */
    max_tags_per_resource: number;
    /** Seconds a client may take to send a request body (slow or stalled uploads are cut off; 0 = never). */
    body_timeout: number;
  };
  database: {
    /** `sqlite:<path>` (embedded default) or `postgres://user@host:port/db`. */
    url: string;
    pool_size: number;
    /** PostgreSQL: run hot statements as named prepared statements (off behind a pooler in transaction mode that does not support them). */
    prepared_statements: boolean;
  };
  auth: {
    /** `noauth` (trust X-Project-Id / X-Roles headers), `embedded` (built-in Keystone v3), `keystone` (external). */
    strategy: 'noauth' | 'embedded' | 'keystone';
    token_ttl_seconds: number;
    admin_user: string;
    admin_project: string;
    /** Admin password; when empty on first bootstrap one is generated and printed once. */
    admin_password: string;
    region: string;
    /** Embedded identity (strategy `embedded`) listens here; port `0` picks a free port (tests). */
    identity_port: number;
    identity_host: string;
    /** URL of the embedded identity in the catalog and clouds.yaml; derived from identity_host/port when empty. */
    identity_public_url: string;
    /** Seconds a validated token may be served from the in-process cache (bounds staleness across API servers). */
    token_cache_seconds: number;
    /**
     * Where the first bootstrap writes a clouds.yaml for the admin (`neutrino` cloud). Empty:
     * next to the SQLite database (./data/clouds.yaml by default; ./data/ on PostgreSQL); `none`: not written.
     */
    clouds_yaml: string;
    /** External Keystone (strategy `keystone`). */
    keystone_url: string;
    keystone_service_user: string;
    keystone_service_password: string;
    keystone_service_project: string;
    /** Domain id of the service user and project. */
    keystone_service_domain: string;
    keystone_cache_seconds: number;
    policy_file: string;
    /** Password hashes computed at once (each takes a CPU core for tens of ms); further logins wait. */
    password_hash_concurrency: number;
    /** Logins that may wait for a hashing slot; beyond that they answer 503 at once. */
    password_hash_queue: number;
    /** Keystone's lockout_failure_attempts: failed logins in a row that lock a user (0 = never, the default). */
    lockout_failure_attempts: number;
    /** Keystone's lockout_duration: seconds a locked user stays locked. */
    lockout_duration: number;
    /** Failed logins one source address may make in a burst before it is throttled (429; 0 = no limit). */
    source_failure_burst: number;
    /** Failed logins per minute a throttled source regains. */
    source_failures_per_minute: number;
    /** Tokens one user may be issued per minute (429 beyond; 0 = no limit). */
    user_tokens_per_minute: number;
    /** Largest body (bytes) the identity accepts from a caller without a valid token. */
    max_unauthenticated_body_size: number;
    /** Seconds between background deletions of expired tokens (0 = never). */
    token_expiry_interval: number;
  };
  network: {
    base_mac: string;
    default_mtu: number;
    tenant_network_types: string[];
    /** `physnet:min:max` entries for VLAN tenant networks. */
    network_vlan_ranges: string[];
    /** `min:max` VNI ranges for VXLAN tenant networks. */
    vni_ranges: string[];
    flat_networks: string[];
    dns_domain: string;
    default_availability_zones: string[];
    ipv6_pd_enabled: boolean;
  };
  quotas: Record<string, number>;
  agents: {
    /** Seconds without a state report after which an agent is shown dead (Neutron's agent_down_time). */
    agent_down_time: number;
    /** DHCP agents each DHCP-enabled network is scheduled to (when agents report through /v2.0/agent-reports). */
    dhcp_agents_per_network: number;
  };
  /** Prometheus exposition (`GET /metrics`) on a listener of its own; off by default. */
  metrics: { enabled: boolean; host: string; port: number };
  /** The durable change feed (src/feed/): retention and wake-ups. */
  feed: {
    /** Changes older than this are compacted away (a watcher behind them must relist). */
    retention_seconds: number;
    /** At most this many cursors are kept behind the newest. */
    max_rows: number;
    /** How often each server compacts the feed (0: never). */
    compact_seconds: number;
    /** Watchers re-read the feed at least this often (fallback for missed wake-ups). */
    poll_seconds: number;
  };
  /** The dataplane backend (src/backends/). */
  backend: {
    /** Driver name: `noop` (ports stay DOWN/unbound unless an external agent reports status), `linux` (host agents, `neutrino agent`). */
    driver: string;
    /** `ovn` driver: OVN northbound database (`unix:/path` or `tcp:host:port`). */
    ovn_nb_connection: string;
    /** `ovn` driver: OVN southbound database (chassis, port bindings); empty: no status from OVN's chassis. */
    ovn_sb_connection: string;
    /** `ovn` driver: seconds between full reconciles that repair drift in the northbound database (0: only at start). */
    ovn_resync_seconds: number;
    /** `ovn` driver: seconds between nb_cfg probes; chassis that keep up heartbeat their `OVN Controller agent` (keep below agents.agent_down_time). */
    ovn_agent_probe_seconds: number;
  };
  log: { level: string };
}

const DEFAULT_CONFIG: NeutrinoConfig = {
  api: {
    host: '127.0.0.1',
    port: 9696,
    public_url: '',
    pagination_max_limit: 0,
    max_request_body_size: 114688,
    max_bulk_items: 1000,
    max_tags_per_resource: 100,
    body_timeout: 30,
  },
  database: { url: 'sqlite:./data/neutrino.db', pool_size: 10, prepared_statements: true },
  auth: {
    strategy: 'embedded',
    token_ttl_seconds: 3600,
    admin_user: 'admin',
    admin_project: 'admin',
    admin_password: '',
    region: 'RegionOne',
    identity_port: 5000,
    identity_host: '127.0.0.1',
    identity_public_url: '',
    token_cache_seconds: 5,
    clouds_yaml: '',
    keystone_url: '',
    keystone_service_user: 'neutron',
    keystone_service_password: '',
    keystone_service_project: 'service',
    keystone_service_domain: 'default',
    keystone_cache_seconds: 60,
    policy_file: '',
    password_hash_concurrency: 1,
    password_hash_queue: 32,
    lockout_failure_attempts: 0,
    lockout_duration: 1800,
    source_failure_burst: 20,
    source_failures_per_minute: 30,
    user_tokens_per_minute: 600,
    max_unauthenticated_body_size: 16384,
    token_expiry_interval: 60,
  },
  network: {
    base_mac: 'fa:16:3e:00:00:00',
    default_mtu: 1500,
    tenant_network_types: ['vxlan'],
    network_vlan_ranges: ['physnet1:1000:2999'],
    vni_ranges: ['1:65535'],
    flat_networks: ['*'],
    dns_domain: 'openstacklocal.',
    default_availability_zones: ['nova'],
    ipv6_pd_enabled: false,
  },
  quotas: {
    network: 100,
    subnet: 100,
    port: 500,
    subnetpool: -1,
    router: 10,
    floatingip: 50,
    security_group: 10,
    security_group_rule: 100,
    rbac_policy: 10,
  },
  agents: { agent_down_time: 75, dhcp_agents_per_network: 1 },
  metrics: { enabled: false, host: '127.0.0.1', port: 9697 },
  feed: { retention_seconds: 86400, max_rows: 1000000, compact_seconds: 60, poll_seconds: 5 },
  backend: { driver: 'noop', ovn_nb_connection: 'unix:/var/run/ovn/ovnnb_db.sock', ovn_sb_connection: '', ovn_resync_seconds: 300, ovn_agent_probe_seconds: 30 },
  log: { level: 'info' },
};

type Section = Record<string, unknown>;

/** A configuration value that cannot be used; names the variable or key that holds it. */
export class ConfigError extends Error {}

function coerce(current: unknown, raw: string, name: string): unknown {
  if (typeof current === 'number') {
    const n = raw.trim() === '' ? NaN : Number(raw);
    if (!Number.isFinite(n)) throw new ConfigError(`invalid value for ${name}: expected a number, got ${JSON.stringify(raw)}`);
    return n;
  }
  if (typeof current === 'boolean') {
    if (/^(1|true|yes|on)$/i.test(raw)) return true;
    if (/^(0|false|no|off)$/i.test(raw)) return false;
    throw new ConfigError(`invalid value for ${name}: expected true or false, got ${JSON.stringify(raw)}`);
  }
  if (Array.isArray(current)) return raw.split(',').map((s) => s.trim()).filter(Boolean);
  return raw;
}

function merge(target: Section, source: Section, path: string): void {
  for (const [key, value] of Object.entries(source)) {
    if (!(key in target) && path !== 'quotas') throw new Error(`unknown configuration key ${path}.${key}`);
    const current = target[key];
    if (current && typeof current === 'object' && !Array.isArray(current) && value && typeof value === 'object') {
      merge(current as Section, value as Section, `${path}.${key}`);
    } else {
      target[key] = value;
    }
  }
}

/** Loads the configuration: defaults < file (if any) < environment. */
export function loadConfig(options: { file?: string; env?: NodeJS.ProcessEnv; overrides?: Partial<Record<string, unknown>> } = {}): NeutrinoConfig {
  const env = options.env ?? process.env;
  const config = structuredClone(DEFAULT_CONFIG) as unknown as Section;
  const file = options.file ?? env.NEUTRINO_CONFIG ?? (fs.existsSync('neutrino.yaml') ? 'neutrino.yaml' : undefined);
  if (file) {
    const parsed = YAML.parse(fs.readFileSync(file, 'utf8')) ?? {};
    for (const [section, values] of Object.entries(parsed as Section)) {
      if (!(section in config)) throw new Error(`unknown configuration section ${section} in ${file}`);
      merge(config[section] as Section, values as Section, section);
    }
  }
  for (const [section, values] of Object.entries(config)) {
    for (const key of Object.keys(values as Section)) {
      const name = `NEUTRINO_${section}_${key}`.toUpperCase();
      const raw = env[name];
      if (raw !== undefined) (values as Section)[key] = coerce((values as Section)[key], raw, name);
    }
    if (section === 'quotas') {
      // Quota defaults for resources added later: NEUTRINO_QUOTAS_<RESOURCE>.
      for (const [name, raw] of Object.entries(env)) {
        const m = /^NEUTRINO_QUOTAS_([A-Z_]+)$/.exec(name);
        if (m && raw !== undefined) (values as Section)[m[1].toLowerCase()] = coerce(0, raw, name);
      }
    }
  }
  // Short forms operators of containers expect.
  if (env.DATABASE_URL && !env.NEUTRINO_DATABASE_URL) (config.database as Section).url = env.DATABASE_URL;
  if (options.overrides) {
    for (const [dotted, value] of Object.entries(options.overrides)) {
      const [section, key] = dotted.split('.');
      (config[section] as Section)[key] = value;
    }
  }
  validate(config as unknown as NeutrinoConfig);
  return config as unknown as NeutrinoConfig;
}

const envName = (key: string) => `NEUTRINO_${key.replace('.', '_')}`.toUpperCase();

/** Values whose type is right but which cannot work; the error names the key and its variable. */
function validate(config: NeutrinoConfig): void {
  const bad = (key: string, why: string) => new ConfigError(`invalid value for ${key} (${envName(key)}): ${why}`);
  for (const key of ['api.port', 'auth.identity_port', 'metrics.port']) {
    const [section, name] = key.split('.');
    const port = (config as unknown as Record<string, Section>)[section][name];
    if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65535) throw bad(key, `${JSON.stringify(port)} is not a TCP port (0-65535)`);
  }
  if (!['noauth', 'embedded', 'keystone'].includes(config.auth.strategy)) throw bad('auth.strategy', `${JSON.stringify(config.auth.strategy)} is not one of noauth, embedded, keystone`);
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(config.log.level)) throw bad('log.level', `${JSON.stringify(config.log.level)} is not one of fatal, error, warn, info, debug, trace, silent`);
}

/** Public URL of the embedded identity service (no version suffix). */
export function identityUrl(config: NeutrinoConfig): string {
  if (config.auth.identity_public_url) return config.auth.identity_public_url.replace(/\/+$/, '');
  const host = config.auth.identity_host === '0.0.0.0' || config.auth.identity_host === '::' ? '127.0.0.1' : config.auth.identity_host;
  return `http://${host}:${config.auth.identity_port}`;
}

export function publicUrl(config: NeutrinoConfig): string {
  if (config.api.public_url) return config.api.public_url.replace(/\/+$/, '');
  const host = config.api.host === '0.0.0.0' || config.api.host === '::' ? '127.0.0.1' : config.api.host;
  return `http://${host}:${config.api.port}`;
}
