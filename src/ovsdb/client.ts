// A small OVSDB client (RFC 7047): JSON-RPC over a unix socket or TCP (`unix:/path`,
// `tcp:host:port`, the notation ovn-nbctl uses). Requests are matched by id; the server's
// `echo` requests are answered; an optional probe sends our own `echo` and drops a silent
// connection. With `reconnect`, a lost connection is re-established with backoff and every
// monitor is re-issued: a `monitor_cond_since` one resumes from the last transaction it saw
// (only what changed meanwhile comes back, when the server still has that transaction in
// its history: clustered databases), others are refilled from the new initial state.
import net from 'node:net';
import { EventEmitter } from 'node:events';
import { JsonSplitter } from './framing.ts';
import { parseSchema, type DatabaseSchema } from './schema.ts';
import { Ops, type Operation } from './ops.ts';

export interface OvsdbClientOptions {
  /** Reconnect after the connection is lost (initial connect failures too). Default true. */
  reconnect?: boolean;
  /** Longest wait between reconnect attempts, ms. */
  maxBackoffMs?: number;
  /** Send an echo after this many ms of silence and drop the connection if none answers in as long (0: off). */
  probeMs?: number;
  /** Per-request timeout, ms (0: none). */
  requestTimeoutMs?: number;
}

/** An error answered by the server, for a request or for one operation of a transaction. */
export class OvsdbError extends Error {
  constructor(
    message: string,
    readonly error: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

/** Per-table monitor request: columns (all when absent) and which kinds of change to send. */
export interface MonitorRequest {
  columns?: string[];
  select?: { initial?: boolean; insert?: boolean; delete?: boolean; modify?: boolean };
}

/** `<table>: { <uuid>: { old?, new? } }` as in an RFC 7047 `update` notification (wire values). */
export type TableUpdates = Record<string, Record<string, { old?: Record<string, unknown>; new?: Record<string, unknown> }>>;

/**
 * `<table>: { <uuid>: <row-update2> }` as in a `monitor_cond` reply or `update2` notification
 * (ovsdb-server(7)): `initial`/`insert` carry the row, `delete` null, `modify` only what
 * changed — for set and map columns just the elements added, removed or changed.
 */
export type TableUpdates2 = Record<string, Record<string, { initial?: Record<string, unknown>; insert?: Record<string, unknown>; modify?: Record<string, unknown>; delete?: null }>>;

interface Pending {
  resolve: (value: any) => void;
  reject: (err: Error) => void;
  timer?: NodeJS.Timeout;
}

/** The last-txn-id of a monitor that has seen no transaction yet. */
export const NO_TXN = '00000000-0000-0000-0000-000000000000';

interface Monitor {
  db: string;
  requests: Record<string, MonitorRequest>;
  /** monitor_cond_since: the id of the last transaction the monitor has seen. */
  lastTxnId?: string;
  /** Receives the initial state (`initial` true, after a reset) and each update. */
  onUpdate: (updates: TableUpdates, initial: boolean) => void;
  /** monitor_cond: updates are `update2` diffs. */
  onUpdate2?: (updates: TableUpdates2, initial: boolean) => void;
}

export function parseTarget(target: string): net.NetConnectOpts {
  if (target.startsWith('unix:')) return { path: target.slice(5) };
  const m = /^tcp:(\[[^\]]+\]|[^:]+):(\d+)$/.exec(target);
  if (m) return { host: m[1].replace(/^\[|\]$/g, ''), port: Number(m[2]) };
  throw new Error(`OVSDB target ${JSON.stringify(target)} is not unix:PATH or tcp:HOST:PORT`);
}

export class OvsdbClient extends EventEmitter {
  private socket?: net.Socket;
  private readonly splitter = new JsonSplitter();
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly monitors = new Map<string, Monitor>();
  /** Locks asked for (RFC 7047 section 4.1.8), and whether this connection holds each. */
  private readonly locks = new Map<string, boolean>();
  private closed = false;
  private connected = false;
  private backoff = 100;
  private retryTimer?: NodeJS.Timeout;
  private probeTimer?: NodeJS.Timeout;
  private lastHeard = Date.now();
  private probeSent = false;
  private readonly options: Required<OvsdbClientOptions>;
  private readonly schemas = new Map<string, DatabaseSchema>();
  /** Resolves on the first successful connection. */
  private firstConnect?: { resolve: () => void; reject: (err: Error) => void };

  constructor(
    readonly target: string,
    options: OvsdbClientOptions = {},
    /** Connects the stream (tests pass a fake). */
    private readonly connectStream: () => net.Socket = () => net.connect(parseTarget(target)),
  ) {
    super();
    this.options = { reconnect: true, maxBackoffMs: 8000, probeMs: 0, requestTimeoutMs: 0, ...options };
  }

  get isConnected(): boolean {
    return this.connected;
  }

  /** Connects; with reconnect on, keeps trying until it succeeds or close() is called. */
  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.firstConnect = { resolve, reject };
      this.open();
    });
  }

  private open(): void {
    if (this.closed) return;
    const socket = this.connectStream();
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.on('connect', () => this.onConnect(socket));
    socket.on('data', (chunk: string) => this.onData(socket, chunk));
    socket.on('error', (err) => this.onClose(socket, err));
    socket.on('close', () => this.onClose(socket));
  }

  private onConnect(socket: net.Socket): void {
    if (socket !== this.socket) return;
    this.connected = true;
    this.backoff = 100;
    this.lastHeard = Date.now();
    this.splitter.reset();
    this.startProbe();
    // Re-issue monitors before telling anyone: their replicas resume or refill. Locks are
    // per connection: ask for them again.
    const again: Promise<unknown>[] = [...this.monitors.entries()].map(([id, m]) => this.sendMonitor(id, m));
    for (const id of this.locks.keys()) again.push(this.sendLock(id));
    Promise.all(again)
      .then(() => {
        this.emit('connected');
        this.firstConnect?.resolve();
        this.firstConnect = undefined;
      })
      .catch((err) => socket.destroy(err));
  }

  private onClose(socket: net.Socket, err?: Error): void {
    if (socket !== this.socket) return;
    this.socket = undefined;
    const wasConnected = this.connected;
    this.connected = false;
    this.stopProbe();
    socket.destroy();
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new Error(`OVSDB connection to ${this.target} lost${err ? `: ${err.message}` : ''}`));
      this.pending.delete(id);
    }
    for (const [id, held] of this.locks) {
      if (!held) continue;
      this.locks.set(id, false);
      this.emit('lockLost', id);
    }
    if (wasConnected) this.emit('disconnected', err);
    if (this.closed) return;
    if (!this.options.reconnect) {
      this.firstConnect?.reject(err ?? new Error(`OVSDB connection to ${this.target} closed`));
      this.firstConnect = undefined;
      return;
    }
    const wait = this.backoff;
    this.backoff = Math.min(this.backoff * 2, this.options.maxBackoffMs);
    this.retryTimer = setTimeout(() => this.open(), wait);
  }

  private onData(socket: net.Socket, chunk: string): void {
    if (socket !== this.socket) return;
    this.lastHeard = Date.now();
    this.probeSent = false;
    let texts: string[];
    try {
      texts = this.splitter.push(chunk);
    } catch (err) {
      socket.destroy(err as Error);
      return;
    }
    for (const text of texts) {
      let msg: any;
      try {
        msg = JSON.parse(text);
      } catch (err) {
        socket.destroy(err as Error);
        return;
      }
      this.dispatch(msg);
    }
  }

  private dispatch(msg: any): void {
    if (msg.method !== undefined) {
      if (msg.method === 'echo' && msg.id !== null && msg.id !== undefined) {
        this.write({ id: msg.id, result: msg.params ?? [], error: null });
      } else if (msg.method === 'update' && Array.isArray(msg.params)) {
        const monitor = this.monitors.get(JSON.stringify(msg.params[0]));
        monitor?.onUpdate(msg.params[1] ?? {}, false);
      } else if (msg.method === 'update2' && Array.isArray(msg.params)) {
        const monitor = this.monitors.get(JSON.stringify(msg.params[0]));
        monitor?.onUpdate2?.(msg.params[1] ?? {}, false);
      } else if (msg.method === 'update3' && Array.isArray(msg.params)) {
        // monitor_cond_since: [id, last-txn-id, table-updates2].
        const monitor = this.monitors.get(JSON.stringify(msg.params[0]));
        if (monitor) {
          monitor.lastTxnId = String(msg.params[1]);
          monitor.onUpdate2?.(msg.params[2] ?? {}, false);
        }
      } else if ((msg.method === 'locked' || msg.method === 'stolen') && Array.isArray(msg.params) && this.locks.has(String(msg.params[0]))) {
        const id = String(msg.params[0]);
        const held = msg.method === 'locked';
        this.locks.set(id, held);
        this.emit(held ? 'locked' : 'lockLost', id);
      } else {
        this.emit('notification', msg.method, msg.params);
      }
      return;
    }
    const pending = this.pending.get(msg.id);
    if (!pending) return;
    this.pending.delete(msg.id);
    clearTimeout(pending.timer);
    if (msg.error) pending.reject(new OvsdbError(`OVSDB error: ${typeof msg.error === 'string' ? msg.error : JSON.stringify(msg.error)}`, String(msg.error?.error ?? msg.error), msg.error));
    else pending.resolve(msg.result);
  }

  private write(msg: unknown): void {
    this.socket?.write(JSON.stringify(msg));
  }

  /** Sends a request and resolves with its result (rejects with OvsdbError on an error answer). */
  request(method: string, params: unknown[]): Promise<any> {
    if (!this.connected || !this.socket) return Promise.reject(new Error(`OVSDB not connected to ${this.target}`));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const p: Pending = { resolve, reject };
      if (this.options.requestTimeoutMs > 0) {
        p.timer = setTimeout(() => {
          this.pending.delete(id);
          reject(new Error(`OVSDB ${method} timed out after ${this.options.requestTimeoutMs} ms`));
        }, this.options.requestTimeoutMs);
      }
      this.pending.set(id, p);
      this.write({ id, method, params });
    });
  }

  // ------------------------------------------------------------------ methods

  listDbs(): Promise<string[]> {
    return this.request('list_dbs', []);
  }

  /** The database's schema (cached per connection life of the client). */
  async getSchema(db: string): Promise<DatabaseSchema> {
    const cached = this.schemas.get(db);
    if (cached) return cached;
    const schema = parseSchema(await this.request('get_schema', [db]));
    this.schemas.set(db, schema);
    return schema;
  }

  /** Operation builders for db. */
  async ops(db: string): Promise<Ops> {
    return new Ops(await this.getSchema(db));
  }

  echo(...params: unknown[]): Promise<unknown[]> {
    return this.request('echo', params);
  }

  /**
   * Runs a transaction. Resolves with the per-operation results; rejects with OvsdbError
   * when any operation failed (the whole transaction was then aborted by the server).
   */
  async transact(db: string, operations: Operation[]): Promise<any[]> {
    const results: any[] = await this.request('transact', [db, ...operations]);
    const failed = results.findIndex((r) => r && r.error);
    if (failed >= 0) {
      const r = results[failed];
      const which = failed < operations.length ? `operation ${failed} (${operations[failed].op} ${(operations[failed] as any).table ?? ''})` : 'commit';
      throw new OvsdbError(`OVSDB transaction failed at ${which}: ${r.error}${r.details ? `: ${r.details}` : ''}`, r.error, r.details);
    }
    return results;
  }

  /**
   * Starts a monitor (RFC 7047 `monitor`). onUpdate gets the initial state now and after
   * every reconnect (initial = true: the receiver drops what it had), then each update.
   */
  async monitor(db: string, requests: Record<string, MonitorRequest>, onUpdate: Monitor['onUpdate']): Promise<string> {
    const id = `m${this.nextId++}`;
    const monitor = { db, requests, onUpdate };
    this.monitors.set(JSON.stringify(id), monitor);
    await this.sendMonitor(JSON.stringify(id), monitor);
    return id;
  }

  /**
   * Starts a conditional monitor (`monitor_cond`, without conditions: all rows). Updates are
   * `update2` diffs, so a change to one element of a large set column costs that element.
   */
  async monitorCond(db: string, requests: Record<string, MonitorRequest>, onUpdate2: (updates: TableUpdates2, initial: boolean) => void): Promise<string> {
    const id = `m${this.nextId++}`;
    const monitor: Monitor = { db, requests, onUpdate: () => {}, onUpdate2 };
    this.monitors.set(JSON.stringify(id), monitor);
    await this.sendMonitor(JSON.stringify(id), monitor);
    return id;
  }

  /**
   * Starts a `monitor_cond_since` monitor (ovsdb-server(7)): like monitorCond, and after a
   * reconnect it asks for the changes since the last transaction it saw. onUpdate2's
   * `initial` is false when the server could answer with just those (the receiver keeps its
   * rows and applies them), true when it sent the whole state again. Servers without the
   * method get monitor_cond (the client remembers, per connection target).
   */
  async monitorCondSince(db: string, requests: Record<string, MonitorRequest>, onUpdate2: (updates: TableUpdates2, initial: boolean) => void): Promise<string> {
    const id = `m${this.nextId++}`;
    const monitor: Monitor = { db, requests, onUpdate: () => {}, onUpdate2, lastTxnId: NO_TXN };
    this.monitors.set(JSON.stringify(id), monitor);
    await this.sendMonitor(JSON.stringify(id), monitor);
    return id;
  }

  /** Whether the server refused monitor_cond_since (then monitors use monitor_cond). */
  private sinceUnsupported = false;
  /** How monitors were last (re)started: resumed (only the changes since) or refilled (whole state). For tests and logs. */
  readonly monitorStarts = { resumed: 0, refilled: 0 };

  async cancelMonitor(id: string): Promise<void> {
    this.monitors.delete(JSON.stringify(id));
    if (this.connected) await this.request('monitor_cancel', [id]);
  }

  private async sendMonitor(key: string, monitor: Monitor): Promise<void> {
    if (monitor.lastTxnId !== undefined && !this.sinceUnsupported) {
      let reply: [boolean, string, TableUpdates2] | undefined;
      try {
        reply = await this.request('monitor_cond_since', [monitor.db, JSON.parse(key), monitor.requests, monitor.lastTxnId]);
      } catch (err) {
        // An older server: "unknown method". Anything else is a real failure.
        if (!(err instanceof OvsdbError) || !/unknown method/i.test(JSON.stringify(err.details ?? err.error))) throw err;
        this.sinceUnsupported = true;
      }
      if (reply) {
        const [found, lastTxnId, updates] = reply;
        // found: the server knew our last transaction and sent only what followed it.
        const resumed = found && monitor.lastTxnId !== NO_TXN;
        monitor.lastTxnId = String(lastTxnId);
        this.monitorStarts[resumed ? 'resumed' : 'refilled']++;
        monitor.onUpdate2!(updates ?? {}, !resumed);
        return;
      }
    }
    if (monitor.onUpdate2) {
      this.monitorStarts.refilled++;
      const initial = await this.request('monitor_cond', [monitor.db, JSON.parse(key), monitor.requests]);
      monitor.onUpdate2(initial ?? {}, true);
      return;
    }
    const initial = await this.request('monitor', [monitor.db, JSON.parse(key), monitor.requests]);
    monitor.onUpdate(initial ?? {}, true);
  }

  // ------------------------------------------------------------------ locks

  /**
   * Asks for a lock (RFC 7047 `lock`) and keeps asking after every reconnect. Resolves
   * whether it is held now; when not, the server grants it later (event `locked`). Event
   * `lockLost` when it is stolen or the connection drops. A transaction made safe against a
   * lost lock starts with an `assert` of it (Ops.assertLock): the server refuses it then.
   */
  async lock(id: string): Promise<boolean> {
    if (!this.locks.has(id)) this.locks.set(id, false);
    return this.sendLock(id);
  }

  /** Whether this connection holds the lock now. */
  holdsLock(id: string): boolean {
    return this.locks.get(id) === true;
  }

  /** Gives a lock up (and stops asking for it). */
  async unlock(id: string): Promise<void> {
    const held = this.locks.get(id);
    this.locks.delete(id);
    if (this.connected) await this.request('unlock', [id]);
    if (held) this.emit('lockLost', id);
  }

  private async sendLock(id: string): Promise<boolean> {
    const { locked } = await this.request('lock', [id]);
    if (!this.locks.has(id)) return false;
    const was = this.locks.get(id);
    this.locks.set(id, locked === true);
    if (locked === true && !was) this.emit('locked', id);
    return locked === true;
  }

  // ------------------------------------------------------------------ liveness

  private startProbe(): void {
    const every = this.options.probeMs;
    if (!every) return;
    this.probeTimer = setInterval(() => {
      const socket = this.socket;
      if (!socket) return;
      const silent = Date.now() - this.lastHeard;
      if (this.probeSent && silent >= 2 * every) {
        socket.destroy(new Error(`no answer from ${this.target} for ${silent} ms`));
      } else if (!this.probeSent && silent >= every) {
        this.probeSent = true;
        this.write({ id: 'echo', method: 'echo', params: [] });
      }
    }, Math.max(10, Math.floor(every / 4)));
    this.probeTimer.unref?.();
  }

  private stopProbe(): void {
    clearInterval(this.probeTimer);
    this.probeTimer = undefined;
    this.probeSent = false;
  }

  /** Closes the connection for good (pending requests are rejected). */
  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.firstConnect?.reject(new Error('OVSDB client closed'));
    this.firstConnect = undefined;
    const socket = this.socket;
    if (socket) {
      socket.end();
      this.onClose(socket);
    }
  }
}
