// What the agent reads from and writes to the host: `ip` and `bridge` (iproute2, JSON
// output) and processes in namespaces. With `netns` set, every command acts inside that
// namespace (tests run each "hypervisor" as a namespace; see src/agent/config.ts).
import { execFile } from 'node:child_process';

export interface CommandResult {
  stdout: string;
  stderr: string;
  code: number;
}

export class CommandError extends Error {
  constructor(
    readonly command: string[],
    readonly result: CommandResult,
  ) {
    super(`${command.join(' ')} failed (${result.code}): ${result.stderr.trim() || result.stdout.trim()}`);
  }
}

/** A link as `ip -j -d link show` describes it (the fields the agent uses). */
export interface Link {
  ifindex: number;
  ifname: string;
  flags: string[];
  mtu: number;
  operstate: string;
  master?: string;
  address?: string;
  link_netnsid?: number;
  linkinfo?: { info_kind?: string; info_data?: Record<string, any>; info_slave_kind?: string };
}

export interface FdbEntry {
  mac: string;
  dst?: string;
  ifname?: string;
  state?: string;
  flags?: string[];
}

export class Host {
  /** Commands run so far that changed something (for the agent's "changes applied" count). */
  changes = 0;

  /**
   * All links as read at `at`, for checks of many ports in a row (a restart over 1,000 ports
   * reads the link table once, not 1,000 times). Names this agent changed since are
   * `dirty` and read again one by one; `ip monitor link` events drop the whole snapshot.
   */
  private snapshot?: { links: Map<string, Link>; at: number; dirty: Set<string> };

  constructor(
    readonly netns?: string,
    private readonly snapshotMs = 2000,
  ) {}

  /** Forget the link snapshot (something changed outside this agent). */
  invalidate(): void {
    this.snapshot = undefined;
  }

  /** A link event: forget the snapshot unless the link is one this agent changed (read alone anyway). */
  linkEvent(name: string): void {
    if (this.snapshot && !this.snapshot.dirty.has(name)) this.snapshot = undefined;
  }

  private touched(args: string[]): void {
    if (!this.snapshot) return;
    for (const a of args) if (this.snapshot.links.has(a) || /^(tap|brq|vxlan-)/.test(a)) this.snapshot.dirty.add(a);
  }

  /** A link from the snapshot when fresh (else one read of all links); read alone when dirty. */
  async cachedLink(name: string): Promise<Link | undefined> {
    if (!this.snapshot || Date.now() - this.snapshot.at > this.snapshotMs) {
      const at = Date.now();
      this.snapshot = { links: await this.links(), at, dirty: new Set() };
    }
    if (this.snapshot.dirty.has(name)) return this.link(name);
    return this.snapshot.links.get(name);
  }

  run(command: string, args: string[], options: { input?: string } = {}): Promise<CommandResult> {
    return new Promise((resolve) => {
      const child = execFile(command, args, { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as any).code === 'number' ? (err as any).code : 1) : 0;
        resolve({ stdout: String(stdout), stderr: String(stderr) || (err && code !== 0 && !stderr ? String(err.message) : ''), code });
      });
      if (options.input !== undefined) child.stdin?.end(options.input);
    });
  }

  async must(command: string, args: string[], input?: string): Promise<string> {
    const result = await this.run(command, args, { input });
    if (result.code !== 0) throw new CommandError([command, ...args], result);
    return result.stdout;
  }

  private nsArgs(): string[] {
    return this.netns ? ['-n', this.netns] : [];
  }

  /** `ip` in the host's namespace (a change). */
  async ip(...args: string[]): Promise<string> {
    this.changes++;
    this.touched(args);
    return this.must('ip', [...this.nsArgs(), ...args]);
  }

  /** `bridge` in the host's namespace (a change). */
  async bridge(...args: string[]): Promise<string> {
    this.changes++;
    this.touched(args);
    return this.must('bridge', [...this.nsArgs(), ...args]);
  }

  /**
   * Several `bridge` commands in one process (`bridge -batch -`): a network with 500 remote
   * ports needs ~1,000 FDB entries, and a process per entry took tens of seconds on a busy
   * host. Stops at the first failing command (the caller's next sync retries the rest).
   */
  async bridgeBatch(commands: string[][]): Promise<void> {
    if (commands.length === 0) return;
    this.changes += commands.length;
    for (const c of commands) this.touched(c);
    await this.must('bridge', [...this.nsArgs(), '-batch', '-'], commands.map((c) => c.join(' ') + '\n').join(''));
  }

  async links(): Promise<Map<string, Link>> {
    const out = await this.must('ip', [...this.nsArgs(), '-j', '-d', 'link', 'show']);
    const links = JSON.parse(out || '[]') as Link[];
    return new Map(links.map((l) => [l.ifname, l]));
  }

  /** One link (`ip -j -d link show dev NAME`), or undefined when it does not exist. */
  async link(name: string): Promise<Link | undefined> {
    const result = await this.run('ip', [...this.nsArgs(), '-j', '-d', 'link', 'show', 'dev', name]);
    if (result.code !== 0) {
      if (/does not exist|Cannot find device/i.test(result.stderr)) return undefined;
      throw new CommandError(['ip', '-j', '-d', 'link', 'show', 'dev', name], result);
    }
    return (JSON.parse(result.stdout || '[]') as Link[])[0];
  }

  async fdb(device: string): Promise<FdbEntry[]> {
    const out = await this.must('bridge', [...this.nsArgs(), '-j', 'fdb', 'show', 'dev', device]);
    return JSON.parse(out || '[]') as FdbEntry[];
  }

  /** Addresses of a link inside another namespace (`ip -j addr` there). */
  async addressesIn(netns: string, device: string): Promise<{ family: string; local: string; prefixlen: number }[]> {
    const out = await this.must('ip', ['-n', netns, '-j', 'addr', 'show', 'dev', device]);
    const parsed = JSON.parse(out || '[]') as { addr_info?: { family: string; local: string; prefixlen: number }[] }[];
    return parsed[0]?.addr_info ?? [];
  }

  async namespaces(): Promise<Set<string>> {
    const out = await this.must('ip', ['-j', 'netns', 'list']);
    const parsed = JSON.parse(out || '[]') as { name: string }[];
    return new Set(parsed.map((n) => n.name));
  }
}
