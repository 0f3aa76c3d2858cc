// The wiring graph: which feature reacts to, vetoes, extends or filters which resource's
// lifecycle, inside that resource's transaction. Like OVN northd's inc-proc-northd.c
// (one `engine_add_input` line per edge), every edge is one line of a table: each feature
// declares its own edges in `src/extensions/<feature>/wiring.ts` (so adding a feature
// edits no central list), and the framework assembles them here into one graph, in
// feature order (discovery.ts: `after`, then name) and, within a feature, table order.
// `neutrino wiring` prints the whole graph as it runs.
//
// A veto throws a NeutronError: the whole request fails and changes nothing.
import { sql } from 'kysely';
import type { RequestContext } from '../foundation/context.ts';
import type { Tx } from '../db/index.ts';
import { executeCompiled, statementNames } from '../db/prepared.ts';
import type { ServiceLookup } from './lookup.ts';
import type { Operation, RenderOptions } from './operation.ts';
import type { Item, Query } from './repository.ts';

export type Phase = 'beforeCreate' | 'afterCreate' | 'beforeUpdate' | 'afterUpdate' | 'beforeDelete';

/**
 * Where the owner's own step (its ResourceService override) runs relative to the edges of
 * a phase. Creates and updates: the owner validates and completes its item first, then
 * other features react to the result. Deletes: other features first release or veto what
 * they hold on the item (L3 deletes a network's unassociated floating IPs), then the owner
 * checks what is left (NetworkInUse).
 */
export const OWNER_FIRST: Readonly<Record<Phase, boolean>> = {
  beforeCreate: true,
  afterCreate: true,
  beforeUpdate: true,
  afterUpdate: true,
  beforeDelete: false,
};

/** A lifecycle edge's handler (undefined: nothing to do, e.g. the reacting service is not served). */
export type LifecycleRun = (op: Operation, services: ServiceLookup) => Promise<void> | undefined;
/** options: what the request already knows of the items (parents loaded, just created), to spare queries. */
export type ExtendRun = (q: Tx, ctx: RequestContext, items: Item[], services: ServiceLookup, options: RenderOptions) => Promise<void>;
export type FilterRun = (q: Query, values: unknown[], ctx: RequestContext, services: ServiceLookup) => Query;

interface EdgeBase {
  /** The collection whose lifecycle the edge is an input of. */
  on: string;
  /** What the edge does, in a few words (printed by `neutrino wiring`). */
  what: string;
}

/**
 * The rows an edge acts on: rows of `table` whose `column` holds the item's id. An edge
 * with guards runs only when one of them exists; the guards of a phase are answered by one
 * query at its start (every port delete would otherwise ask each feature's table in turn).
 * Only for edges whose rows no earlier edge of the same phase can create.
 */
export interface Guard {
  table: string;
  column: string;
  /** Further columns with fixed values (constants of the code, never request data): rbac_policies' object_type. */
  where?: Record<string, string>;
}

/** Runs in the resource's transaction at phase: `veto` may refuse, `react` changes its own state. */
export interface LifecycleEdge extends EdgeBase {
  kind: 'veto' | 'react';
  phase: Phase;
  run: LifecycleRun;
  /** Run only when a row matches one of these (see Guard); always when absent. */
  when?: Guard[];
}

/** Fills attributes the feature adds to another resource, for a batch of rendered items. */
export interface ExtendEdge extends EdgeBase {
  kind: 'extend';
  run: ExtendRun;
}

/** A list filter on an attribute the feature adds to another resource. */
export interface FilterEdge extends EdgeBase {
  kind: 'filter';
  attribute: string;
  run: FilterRun;
}

export type Edge = LifecycleEdge | ExtendEdge | FilterEdge;

// One line per edge in a feature's table:
export const veto = (on: string, phase: Phase, what: string, run: LifecycleRun, when?: Guard[]): LifecycleEdge => ({ kind: 'veto', on, phase, what, run, when });
export const react = (on: string, phase: Phase, what: string, run: LifecycleRun, when?: Guard[]): LifecycleEdge => ({ kind: 'react', on, phase, what, run, when });
/** A guard (see Guard): rows of table whose column holds the item's id (and whose where columns hold those values). */
export const referencedBy = (table: string, column: string, where?: Record<string, string>): Guard => ({ table, column, where });
export const extend = (on: string, what: string, run: ExtendRun): ExtendEdge => ({ kind: 'extend', on, what, run });
export const filter = (on: string, attribute: string, what: string, run: FilterRun): FilterEdge => ({ kind: 'filter', on, attribute, what, run });

/** An edge as assembled: with the feature that declared it. */
export type Wired = Edge & { by: string };

export class WiringGraph {
  private readonly lifecycle = new Map<string, (LifecycleEdge & { by: string })[]>();
  private readonly extenders = new Map<string, (ExtendEdge & { by: string })[]>();
  private readonly filters = new Map<string, FilterEdge & { by: string }>();
  private readonly all: Wired[] = [];

  constructor(private readonly services: ServiceLookup) {}

  /** Adds by's edge (features' tables are added in feature order; RBAC adds one per shared type). */
  add(by: string, edge: Edge): void {
    const wired = { ...edge, by };
    this.all.push(wired);
    if (wired.kind === 'extend') push(this.extenders, wired.on, wired);
    else if (wired.kind === 'filter') {
      const key = `${wired.on}:${wired.attribute}`;
      if (this.filters.has(key)) throw new Error(`two filters for ${key}`);
      this.filters.set(key, wired);
    } else push(this.lifecycle, `${wired.on}:${wired.phase}`, wired);
  }

  /** Runs the edges of op's collection at phase, in graph order (guarded ones only when their rows exist). */
  async run(phase: Phase, op: Operation): Promise<void> {
    const key = `${op.collection}:${phase}`;
    const edges = this.lifecycle.get(key);
    if (!edges) return;
    const hits = await this.probe(key, op.trx, op.item.id, edges);
    for (let i = 0; i < edges.length; i++) if (!hits || hits[i]) await edges[i].run(op, this.services);
  }

  /** Per collection:phase: the guards' query (compiled once) and, for each edge, the guards it waits for. */
  private readonly probes = new Map<string, { text: string; params: number; of: (number[] | undefined)[] } | null>();

  /**
   * Which edges have rows to act on, from one `select exists(…) as g0, exists(…) as g1 …`
   * over the distinct guards of the phase (undefined: no edge has guards, all run).
   */
  private async probe(key: string, trx: Tx, id: unknown, edges: LifecycleEdge[]): Promise<boolean[] | undefined> {
    let probe = this.probes.get(key);
    if (probe === undefined) {
      const name = (g: Guard) => `${g.table}.${g.column}${JSON.stringify(g.where ?? {})}`;
      const guards = [...new Map(edges.flatMap((e) => e.when ?? []).map((g) => [name(g), g])).values()];
      if (guards.length === 0) probe = null;
      else {
        const index = new Map(guards.map((g, i) => [name(g), i]));
        const exists = guards.map((g, i) => {
          const fixed = Object.entries(g.where ?? {}).map(([column, value]) => sql` and ${sql.ref(column)} = ${sql.lit(value)}`);
          return sql`exists (select 1 from ${sql.table(g.table)} where ${sql.ref(g.column)} = ${''}${sql.join(fixed, sql``)}) as ${sql.ref(`g${i}`)}`;
        });
        const compiled = sql`select ${sql.join(exists)}`.compile(trx);
        probe = { text: compiled.sql, params: compiled.parameters.length, of: edges.map((e) => e.when?.map((g) => index.get(name(g))!)) };
        statementNames.add(probe.text); // a prepared statement on PostgreSQL (db/prepared.ts)
      }
      this.probes.set(key, probe);
    }
    if (!probe) return undefined;
    const { rows } = await executeCompiled<Record<string, unknown>>(trx, probe.text, new Array(probe.params).fill(id));
    const row = rows[0] ?? {};
    const found = (g: number) => { const v = row[`g${g}`]; return v === true || v === 1 || v === '1'; }; // SQLite 0/1, PostgreSQL booleans
    return probe.of.map((guards) => !guards || guards.some(found));
  }

  async extend(collection: string, q: Tx, ctx: RequestContext, items: Item[], options: RenderOptions = {}): Promise<void> {
    for (const edge of this.extenders.get(collection) ?? []) await edge.run(q, ctx, items, this.services, options);
  }

  filter(collection: string, attribute: string): ((q: Query, values: unknown[], ctx: RequestContext) => Query) | undefined {
    const edge = this.filters.get(`${collection}:${attribute}`);
    return edge && ((q, values, ctx) => edge.run(q, values, ctx, this.services));
  }

  /** The graph as it runs, one line per edge, grouped by collection and phase (the owner's step shown in its place). */
  describe(): string[] {
    const lines: string[] = [];
    const collections = [...new Set(this.all.map((e) => e.on))].sort();
    const phases: Phase[] = ['beforeCreate', 'afterCreate', 'beforeUpdate', 'afterUpdate', 'beforeDelete'];
    for (const collection of collections) {
      lines.push(collection);
      for (const phase of phases) {
        const edges = this.lifecycle.get(`${collection}:${phase}`) ?? [];
        if (!edges.length) continue;
        const owner = `    ${phase.padEnd(13)} (owner)  ${collection}'s own ${phase}`;
        if (OWNER_FIRST[phase]) lines.push(owner);
        for (const e of edges) lines.push(`    ${phase.padEnd(13)} ${e.kind.padEnd(7)}  ${e.by}: ${e.what}${e.when ? ` (when ${e.when.map((g) => `${g.table}.${g.column}`).join(' or ')} = id)` : ''}`);
        if (!OWNER_FIRST[phase]) lines.push(owner);
      }
      for (const e of this.extenders.get(collection) ?? []) lines.push(`    ${'render'.padEnd(13)} extend   ${e.by}: ${e.what}`);
      for (const e of this.all) if (e.kind === 'filter' && e.on === collection) lines.push(`    ${'list'.padEnd(13)} filter   ${e.by}: ?${e.attribute}= ${e.what}`);
    }
    return lines;
  }
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  map.set(key, [...(map.get(key) ?? []), value]);
}
