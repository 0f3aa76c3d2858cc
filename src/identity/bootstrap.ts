// Bootstrap, like `keystone-manage bootstrap`: the Default domain, the admin, member and
// reader roles (admin implies member implies reader), the admin project and user with the
// admin role on the project and the system, and the catalog (identity → this identity
// service, network → the Networking API). Idempotent: run at every start of the embedded
// identity, it only fills what is missing and refreshes the endpoint URLs. The admin
// password comes from configuration; when absent on first run one is generated and
// returned once (the caller prints it); it is never stored anywhere but as a hash.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { identityUrl, publicUrl, type NeutrinoConfig } from '../config/index.ts';
import type { Identity } from './identity.ts';
import { newId } from './directory.ts';
import { generatePassword, hashPassword, verifyPassword } from './passwords.ts';
import { TABLES } from './store.ts';

export const DEFAULT_DOMAIN = { id: 'default', name: 'Default' };

export interface BootstrapResult {
  adminUserId: string;
  adminProjectId: string;
  /** Set when this run created the admin user without a configured password. */
  generatedPassword?: string;
  /** Set when this run created the admin user (with the password in hand). */
  createdAdmin: boolean;
}

export async function bootstrapIdentity(identity: Identity): Promise<BootstrapResult> {
  const { config } = identity.app;
  const { store, directory } = identity;
  return identity.write(async (trx) => {
    // Several API servers may start at once on PostgreSQL.
    await identity.app.database.lockKey(trx, 'identity-bootstrap');
    if (!(await store.find(trx, TABLES.domain, { id: DEFAULT_DOMAIN.id }))) {
      await store.insert(trx, TABLES.domain, { ...DEFAULT_DOMAIN, description: 'The default domain', enabled: true });
    }
    const roles: Record<string, string> = {};
    // As keystone-manage bootstrap does since 2023.2: `service` is the role the host agents'
    // user needs (see the agents' policy rules); it implies nothing and no role implies it.
    for (const name of ['admin', 'member', 'reader', 'service']) {
      const role = (await store.find(trx, TABLES.role, { name })) ?? (await directory.createRole(trx, { name }));
      roles[name] = role.id;
    }
    await directory.addImpliedRole(trx, roles.admin, roles.member);
    await directory.addImpliedRole(trx, roles.member, roles.reader);

    const ref = { name: config.auth.admin_project, domain: { id: DEFAULT_DOMAIN.id } };
    const project = (await directory.findProject(trx, ref)) ?? (await directory.createProject(trx, { name: ref.name, description: 'Bootstrap project for initializing the cloud.' }, DEFAULT_DOMAIN.id));

    let user = await directory.findUser(trx, { name: config.auth.admin_user, domain: { id: DEFAULT_DOMAIN.id } });
    let generatedPassword: string | undefined;
    const createdAdmin = !user;
    if (!user) {
      // A generated password is only ever written to clouds.yaml: without one it would be lost.
      if (!config.auth.admin_password && cloudsYamlPath(config) === null) {
        throw new Error('cannot create the admin user: auth.clouds_yaml is none and auth.admin_password (NEUTRINO_AUTH_ADMIN_PASSWORD) is empty, so a generated password would be written nowhere; set one of them');
      }
      const password = config.auth.admin_password || (generatedPassword = generatePassword());
      user = await directory.createUser(trx, { name: config.auth.admin_user, password }, DEFAULT_DOMAIN.id);
    } else if (config.auth.admin_password && !(await verifyPassword(config.auth.admin_password, user.password_hash))) {
      // The configured password is the operator's truth (keystone-manage bootstrap resets it too).
      await store.update(trx, TABLES.user, { id: user.id }, { password_hash: await hashPassword(config.auth.admin_password) });
    }
    await directory.grant(trx, { target_type: 'project', target_id: project.id, user_id: user.id, role_id: roles.admin });
    await directory.grant(trx, { target_type: 'system', target_id: 'all', user_id: user.id, role_id: roles.admin });

    await ensureEndpoints(identity, trx);
    return { adminUserId: user.id, adminProjectId: project.id, generatedPassword, createdAdmin };
  });
}

async function ensureEndpoints(identity: Identity, trx: Parameters<Parameters<Identity['write']>[0]>[0]): Promise<void> {
  const { config } = identity.app;
  await identity.catalog.ensureService(trx, 'identity', 'keystone', config.auth.region, `${identityUrl(config)}/v3`);
  await identity.catalog.ensureService(trx, 'network', 'neutron', config.auth.region, publicUrl(config));
}

/** Rewrites the catalog's endpoint URLs (after listeners on port 0 learned their ports). */
export async function refreshCatalog(identity: Identity): Promise<void> {
  await identity.write(async (trx) => {
    await identity.app.database.lockKey(trx, 'identity-bootstrap');
    await ensureEndpoints(identity, trx);
  });
}

/** Where clouds.yaml goes (auth.clouds_yaml; by default beside the SQLite database), or null for `none`. */
export function cloudsYamlPath(config: NeutrinoConfig): string | null {
  const configured = config.auth.clouds_yaml;
  if (configured === 'none') return null;
  if (configured) return path.resolve(configured);
  const sqlite = /^sqlite:(?:\/\/)?(.+)$/.exec(config.database.url);
  const dir = sqlite && sqlite[1] !== ':memory:' ? path.dirname(path.resolve(sqlite[1])) : path.resolve('data');
  return path.join(dir, 'clouds.yaml');
}

/** A clouds.yaml with one cloud, `neutrino`, for the admin (file mode 0600: it holds the password). */
export function writeCloudsYaml(config: NeutrinoConfig, file: string, password: string): string {
  const doc = {
    clouds: {
      neutrino: {
        auth: {
          auth_url: `${identityUrl(config)}/v3`,
          username: config.auth.admin_user,
          password,
          project_name: config.auth.admin_project,
          user_domain_name: DEFAULT_DOMAIN.name,
          project_domain_name: DEFAULT_DOMAIN.name,
        },
        region_name: config.auth.region,
        identity_api_version: 3,
        interface: 'public',
      },
    },
  };
  const target = path.resolve(file);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, YAML.stringify(doc), { mode: 0o600 });
  fs.chmodSync(target, 0o600);
  return target;
}


/**
 * Bootstraps and tells the operator where the admin's credentials are: the clouds.yaml
 * written for the admin (only when this run created the admin, the one moment the password
 * is in hand). A generated password goes into that file (mode 0600) and nowhere else: the
 * log line names the file, never the password.
 */
type Announce = (fields: Record<string, unknown>, line: string) => void;

export async function bootstrapAndAnnounce(identity: Identity, say?: Announce): Promise<BootstrapResult & { cloudsYaml?: string }> {
  return announceBootstrap(identity, await bootstrapIdentity(identity), say);
}

/** The once-only log line and clouds.yaml of a bootstrap that created the admin (after the listeners know their ports). */
export function announceBootstrap(identity: Identity, result: BootstrapResult, say?: Announce): BootstrapResult & { cloudsYaml?: string } {
  const { config } = identity.app;
  const announce: Announce = say ?? ((fields, line) => identity.app.log.info(fields, line));
  if (!result.createdAdmin) return result;
  const file = cloudsYamlPath(config);
  const cloudsYaml = file ? writeCloudsYaml(config, file, result.generatedPassword ?? config.auth.admin_password) : undefined;
  if (cloudsYaml) {
    announce(
      { user: config.auth.admin_user, clouds_yaml: cloudsYaml, password_source: result.generatedPassword ? 'generated' : 'configured' },
      `admin user '${config.auth.admin_user}' created; credentials in ${cloudsYaml}: OS_CLIENT_CONFIG_FILE=${cloudsYaml} OS_CLOUD=neutrino openstack network list`,
    );
  }
  return { ...result, cloudsYaml };
}
