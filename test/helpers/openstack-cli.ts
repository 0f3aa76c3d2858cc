// Drives the real `openstack` command-line client (python3-openstackclient) as a given
// user, with only the OS_* environment a user would set, and parses its `-f json` output;
// startCliSession sets up the session the CLI tests share (a server, projects, members).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedIdentityServer, type EmbeddedIdentityServer } from './embedded-identity.ts';

export const OPENSTACK_CLI = '/usr/bin/openstack';

export interface CliCredentials {
  username: string;
  password: string;
  projectName: string;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class OpenStackCli {
  private readonly env: NodeJS.ProcessEnv;

  constructor(authUrl: string, creds: CliCredentials) {
    // An empty HOME: no clouds.yaml or cached tokens of the machine's user take part.
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'neutrino-cli-home-'));
    this.env = {
      PATH: '/usr/bin:/bin',
      HOME: home,
      LANG: 'C.UTF-8',
      OS_AUTH_URL: authUrl,
      OS_IDENTITY_API_VERSION: '3',
      OS_USERNAME: creds.username,
      OS_PASSWORD: creds.password,
      OS_PROJECT_NAME: creds.projectName,
      OS_USER_DOMAIN_NAME: 'Default',
      OS_PROJECT_DOMAIN_NAME: 'Default',
      OS_REGION_NAME: 'RegionOne',
      OS_INTERFACE: 'public',
    };
  }

  /** Runs `openstack ARGS`; never throws for a non-zero exit. */
  run(...args: string[]): Promise<CliResult> {
    return new Promise((resolve) => {
      execFile(OPENSTACK_CLI, args, { env: this.env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, stdout, stderr });
      });
    });
  }

  /** Runs `openstack ARGS -f json`, which must succeed, and returns the parsed output. */
  async json(...args: string[]): Promise<any> {
    const r = await this.run(...args, '-f', 'json');
    if (r.code !== 0) throw new Error(`openstack ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
    return JSON.parse(r.stdout);
  }

  /** Runs a command that prints nothing on success (set, unset, delete, add, remove). */
  async ok(...args: string[]): Promise<void> {
    const r = await this.run(...args);
    if (r.code !== 0) throw new Error(`openstack ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
  }

  /** Runs a command that must fail; returns its error output. */
  async fails(...args: string[]): Promise<string> {
    const r = await this.run(...args);
    if (r.code === 0) throw new Error(`openstack ${args.join(' ')} succeeded but should have failed: ${r.stdout.trim()}`);
    return r.stderr;
  }

  dispose(): void {
    fs.rmSync(this.env.HOME!, { recursive: true, force: true });
  }
}

/** Whether the CLI tests can run (the `skip` option of their describe). */
export const cliSkip: string | false = fs.existsSync(OPENSTACK_CLI) ? false : `${OPENSTACK_CLI} is absent (Debian package python3-openstackclient)`;

/** The password every member user of a CliSession has. */
export const MEMBER_PASSWORD = 'correct-horse-battery';

/** A Neutrino with its embedded identity, its admin's CLI, and projects each with one member user and that user's CLI. */
export interface CliSession {
  server: EmbeddedIdentityServer;
  admin: OpenStackCli;
  /** The project objects `openstack project create` answered, by project name. */
  projects: Record<string, any>;
  /** Each member user's CLI, by user name. */
  users: Record<string, OpenStackCli>;
  close(): Promise<void>;
}

/**
 * Starts a CLI session: for each [project, user] the admin creates the project (domain
 * `default`) and the user (password MEMBER_PASSWORD) with the `member` role on it, all
 * through the real CLI.
 */
export async function startCliSession(members: [project: string, user: string][]): Promise<CliSession> {
  const server = await startEmbeddedIdentityServer();
  const admin = new OpenStackCli(server.authUrl, { username: 'admin', password: server.adminPassword, projectName: 'admin' });
  const projects: Record<string, any> = {};
  const users: Record<string, OpenStackCli> = {};
  const close = async () => {
    for (const cli of [admin, ...Object.values(users)]) cli.dispose();
    await server.close();
  };
  try {
    for (const [project, user] of members) {
      const p = await admin.json('project', 'create', '--domain', 'default', '--description', `${project} project`, project);
      const u = await admin.json('user', 'create', '--domain', 'default', '--project', p.id, '--password', MEMBER_PASSWORD, user);
      await admin.ok('role', 'add', '--project', p.id, '--user', u.id, 'member');
      projects[project] = p;
      users[user] = new OpenStackCli(server.authUrl, { username: user, password: MEMBER_PASSWORD, projectName: project });
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { server, admin, projects, users, close };
}
