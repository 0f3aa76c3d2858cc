// nftables on the host: apply a script atomically (`nft -f -`: one transaction, all or
// nothing) and read a table back (`nft -j`), reduced to what the plan compares: chains with
// their rule counts, sets with their elements, maps with their values.
import { execFile } from 'node:child_process';

export interface ActualTable {
  chains: Map<string, number>;
  sets: Map<string, Set<string>>;
  maps: Map<string, Map<string, string>>;
}

function run(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(args[0], args.slice(1), { maxBuffer: 256 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof (err as any).code === 'number' ? (err as any).code : 1) : 0, stdout: String(stdout), stderr: String(stderr) || (err ? err.message : '') });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** A set element or map key as nft prints it in JSON, back to the text nft reads. */
export function elementText(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (value && typeof value === 'object') {
    const v = value as Record<string, any>;
    if (v.prefix) return `${v.prefix.addr}/${v.prefix.len}`;
    if (v.range) return `${elementText(v.range[0])}-${elementText(v.range[1])}`;
    if (v.elem) return elementText(v.elem.val);
  }
  return JSON.stringify(value);
}

/** A map value (a verdict or a number) as text: `jump X`, `goto X`, `accept`, `5`. */
export function verdictText(value: unknown): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  if (value && typeof value === 'object') {
    const [verdict, arg] = Object.entries(value as Record<string, any>)[0] ?? [];
    if (verdict === 'jump' || verdict === 'goto') return `${verdict} ${arg.target}`;
    if (verdict) return verdict;
  }
  return JSON.stringify(value);
}

/** `nft -j list table` output reduced for the plan. */
export function parseTable(json: string): ActualTable {
  const table: ActualTable = { chains: new Map(), sets: new Map(), maps: new Map() };
  const items = (JSON.parse(json).nftables ?? []) as Record<string, any>[];
  for (const item of items) {
    if (item.chain) table.chains.set(item.chain.name, table.chains.get(item.chain.name) ?? 0);
    else if (item.rule) table.chains.set(item.rule.chain, (table.chains.get(item.rule.chain) ?? 0) + 1);
    else if (item.set) table.sets.set(item.set.name, new Set(((item.set.elem ?? []) as unknown[]).map(elementText)));
    else if (item.map) table.maps.set(item.map.name, new Map(((item.map.elem ?? []) as [unknown, unknown][]).map(([k, v]) => [elementText(k), verdictText(v)])));
  }
  return table;
}

export class Nft {
  /** Scripts applied (bench and logs). */
  applied = 0;

  constructor(readonly netns?: string) {}

  private command(args: string[]): string[] {
    return this.netns ? ['ip', 'netns', 'exec', this.netns, ...args] : args;
  }

  /** A table as it is now, or null when it does not exist. */
  async readTable(family: 'bridge' | 'inet', name: string): Promise<ActualTable | null> {
    const r = await run(this.command(['nft', '-j', 'list', 'table', family, name]));
    if (r.code !== 0) {
      if (/No such file or directory|does not exist/i.test(r.stderr)) return null;
      throw new Error(`nft list table ${family} ${name} failed: ${r.stderr.trim()}`);
    }
    return parseTable(r.stdout);
  }

  /** One transaction: every command or none. */
  async apply(script: string): Promise<void> {
    const r = await run(this.command(['nft', '-f', '-']), script);
    if (r.code !== 0) throw new Error(`nft -f failed: ${r.stderr.trim().slice(0, 2000)}`);
    this.applied++;
  }

  /** A sysctl of the namespace the firewall acts in. */
  async sysctl(name: string, value?: string): Promise<string> {
    const r = await run(this.command(value === undefined ? ['sysctl', '-n', name] : ['sysctl', '-w', `${name}=${value}`]));
    if (r.code !== 0) throw new Error(`sysctl ${name} failed: ${r.stderr.trim()}`);
    return r.stdout.trim();
  }
}
