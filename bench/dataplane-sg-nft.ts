// What the firewall's nftables calls cost at 500 local ports (root), interleaved with the old
// full read-back, so the ratios hold on a loaded machine:
//   node --import tsx bench/dataplane-sg-nft.ts [--ports 500] [--rounds 5]
// One namespace of its own (`sgnft-<pid>`; left-overs of killed runs removed at start, removed
// on exit, SIGINT and SIGTERM), the firewall built in it as the agent builds it, then per round:
// the state read (no rules), a resync's reads (state + base chains + the group's chains), the
// old `nft -j list table`, one `add element` transaction and one port chain flushed and refilled.
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { FirewallView, TABLE } from '../src/agent/firewall/ruleset.ts';
import { Tx, emptyState, planAll, planBase } from '../src/agent/firewall/plan.ts';
import { Nft } from '../src/agent/firewall/nft.ts';
import { alive } from './dataplane-sg.ts';

const args = process.argv.slice(2);
const arg = (name: string, d: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : d);
const PORTS = Number(arg('--ports', '500'));
const ROUNDS = Number(arg('--rounds', '5'));
const NS = `sgnft-${process.pid}`;
const ip = (...a: string[]) => execFileSync('ip', a, { maxBuffer: 1 << 28 }).toString();
for (const { name } of JSON.parse(ip('-j', 'netns', 'list') || '[]') as { name: string }[]) {
  const pid = /^sgnft-(\d+)$/.exec(name)?.[1];
  if (pid && !alive(Number(pid))) ip('netns', 'del', name);
}
const remove = () => {
  try {
    ip('netns', 'del', NS);
  } catch {
    // already gone
  }
};
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => (remove(), process.exit(signal === 'SIGINT' ? 130 : 143)));

const SG = '5ec00000-0000-4000-8000-000000000001';
const uuid = (n: number) => `0000${n.toString(16).padStart(4, '0')}-0000-4000-8000-000000000000`;
const hex = (n: number) => n.toString(16).padStart(2, '0');
const ports = Array.from({ length: PORTS }, (_, n) => ({ id: uuid(n), network_id: 'ae700000-0000-4000-8000-000000000001', mac_address: `fa:16:3e:00:${hex(n >> 8)}:${hex(n & 0xff)}`, fixed_ips: [{ ip_address: `10.0.${n >> 8}.${n & 0xff}` }], security_groups: [SG], 'binding:host_id': 'hv1', 'binding:vif_type': 'tap' }));
const rule = (id: string, x: Record<string, unknown>) => ({ id, security_group_id: SG, direction: 'ingress' as const, ethertype: 'IPv4' as const, protocol: null, port_range_min: null, port_range_max: null, remote_ip_prefix: null, remote_group_id: null, remote_address_group_id: null, ...x });
const rules = [rule('r1', { remote_group_id: SG }), rule('r2', { ethertype: 'IPv6', remote_group_id: SG }), rule('r3', { direction: 'egress' }), rule('r4', { direction: 'egress', ethertype: 'IPv6' })];

ip('netns', 'add', NS);
try {
  const nft = new Nft(NS);
  const tx = new Tx(emptyState(), new FirewallView({ host: 'hv1', ports, groups: new Map([[SG, { id: SG }]]), rules, addressGroups: new Map() }));
  planBase(tx);
  planAll(tx);
  await nft.apply(tx.script);
  const time = async (fn: () => unknown) => {
    const t = performance.now();
    await fn();
    return performance.now() - t;
  };
  const chain = `in-${uuid(7)}`;
  const refill = `flush chain bridge ${TABLE} ${chain}\n${tx.lines.filter((l) => l.startsWith(`add rule bridge ${TABLE} ${chain} `)).join('\n')}\n`;
  const calls: Record<string, (round: number) => unknown> = {
    state_read: () => nft.readState(TABLE),
    resync_reads: async () => {
      await nft.readState(TABLE);
      for (const c of ['spoof', 'egress', 'ingress']) await nft.readChain('bridge', TABLE, c);
      for (const c of ['zone', 'state']) await nft.readChain('inet', TABLE, c);
      for (const c of ['in', 'out']) await nft.readChain('bridge', TABLE, `sg-${SG}-${c}-rules`);
    },
    old_list_table: () => ip('netns', 'exec', NS, 'nft', '-j', 'list', 'table', 'bridge', TABLE),
    add_element: (round) => nft.apply(`add element bridge ${TABLE} rg-${SG}-4 { 10.99.0.${round + 1} }\n`),
    port_chain_refill: () => nft.apply(refill),
  };
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(calls).map((k) => [k, []]));
  for (let round = 0; round < ROUNDS; round++) for (const [k, fn] of Object.entries(calls)) samples[k].push(await time(() => fn(round)));
  const median = (v: number[]) => Math.round([...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]);
  const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
  console.log(JSON.stringify({ ports: PORTS, rounds: ROUNDS, load: Number(os.loadavg()[0].toFixed(1)), median_ms: m, old_list_table_over_state_read: Number((m.old_list_table / m.state_read).toFixed(1)), old_list_table_over_resync_reads: Number((m.old_list_table / m.resync_reads).toFixed(1)) }));
} finally {
  remove();
}
