// The topology's "Explain" panel: asks POST /v2.0/reachability/explain (docs/explain.md) with
// the user's token whether one port reaches another port or an address, shows the answer as
// the API gives it (verdict, hops, blocking element, suggested change) and tells the drawing
// which resources the path passes, so Topology can highlight them.
import { useState } from 'preact/hooks';
import { api } from './api.ts';
import type { Item } from './live.ts';
import type { Ctx } from './views.tsx';
import { ErrorBox } from './views.tsx';

interface Ref {
  type: string;
  id?: string;
  name?: string;
  label?: string;
}
interface Hop {
  kind: string;
  ok: boolean;
  detail: string;
  resource?: Ref;
  rule_id?: string;
}
export interface Explanation {
  verdict: 'reachable' | 'not_reachable' | 'unknown';
  forward: Hop[];
  return: Hop[];
  blocked_by: { direction: 'forward' | 'return'; kind: string; resource?: Ref; reason: string } | null;
  suggestion: string | null;
  note?: string;
}

/** What the drawing marks: the ids of the ports, networks, routers and floating IPs on the path, and the one that blocks it. */
export interface PathMark {
  ids: Set<string>;
  blocked: string | null;
}

const fixedIps = (p: Item) => ((p.fixed_ips ?? []) as Array<{ ip_address: string }>).map((f) => f.ip_address).join(', ');

/**
 * The answer's resources as drawn objects. A security group is not drawn: its rule hop marks
 * the port it filters (egress: the sender's, ingress: the receiver's; reversed for replies). A
 * subnet is drawn as its network.
 */
export function pathOf(answer: Explanation, view: Ctx['view']): PathMark {
  const ids = new Set<string>();
  const endPort = (kind: string) => answer.forward.find((h) => h.kind === kind)?.resource?.id;
  const src = endPort('source_port');
  const dst = endPort('destination_port');
  const drawn = (h: Hop, direction: 'forward' | 'return'): string | undefined => {
    const r = h.resource;
    if (!r?.id) return undefined;
    if (r.type === 'security_group') return (h.kind === 'egress_rule') === (direction === 'forward') ? src : dst;
    if (r.type === 'subnet') return view.subnets.find((s) => s.id === r.id)?.network_id;
    return r.id;
  };
  for (const [direction, hops] of [['forward', answer.forward], ['return', answer.return]] as const) {
    for (const h of hops) {
      const id = drawn(h, direction);
      if (id) ids.add(id);
    }
  }
  const b = answer.blocked_by;
  const blockedHop = b ? [...answer[b.direction]].reverse().find((h) => !h.ok) : undefined;
  return { ids, blocked: blockedHop && b ? (drawn(blockedHop, b.direction) ?? null) : null };
}

const VERDICT: Record<Explanation['verdict'], string> = { reachable: 'reachable', not_reachable: 'not reachable', unknown: 'unknown' };

function Hops({ title, hops }: { title: string; hops: Hop[] }) {
  if (!hops.length) return null;
  return (
    <>
      <h4>{title}</h4>
      <ol class="hops" data-testid={`explain-${title}`}>
        {hops.map((h) => (
          <li class={h.ok ? 'ok' : 'blocked'} data-kind={h.kind} data-ok={String(h.ok)} data-resource={h.resource?.id ?? ''} data-rule={h.rule_id ?? ''}>
            <span class="mark">{h.ok ? '✓' : '✗'}</span> <code>{h.kind}</code> {h.detail}
            {h.resource ? (
              <span class="ref">
                {' '}
                [{h.resource.type} {h.resource.id ?? h.resource.label}]
              </span>
            ) : null}
            {h.rule_id ? <span class="ref"> rule {h.rule_id}</span> : null}
          </li>
        ))}
      </ol>
    </>
  );
}

export function ExplainPanel({ ctx, onPath }: { ctx: Ctx; onPath: (p: PathMark | null) => void }) {
  // Ports a workload or a user made (not router, DHCP or floating IP ports), with an address.
  const ports = ctx.view.ports.filter((p) => !String(p.device_owner ?? '').startsWith('network:') && (p.fixed_ips ?? []).length);
  const [form, setForm] = useState({ source: '', destination: '', address: '', protocol: 'tcp', port: '22' });
  const [answer, setAnswer] = useState<Explanation | null>(null);
  // Counts the answers, so a reader (and the browser test) can tell a new answer from the last one.
  const [answers, setAnswers] = useState(0);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement | HTMLSelectElement).value });
  const label = (p: Item) => `${p.name || p.id.slice(0, 8)} ${fixedIps(p)}`;

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const request: Record<string, unknown> = {
        source: { port_id: form.source },
        destination: form.destination === 'address' ? { ip_address: form.address.trim() } : { port_id: form.destination },
        protocol: form.protocol,
      };
      // Required for tcp/udp; for icmp it is the type (the API's default is echo request).
      if (form.protocol !== 'any' && form.port.trim()) request.port = Number(form.port);
      const body = await api(ctx.session, 'POST', '/v2.0/reachability/explain', { reachability: request });
      setAnswer(body.reachability);
      setAnswers((n) => n + 1);
      onPath(pathOf(body.reachability, ctx.view));
    } catch (err) {
      setAnswer(null);
      onPath(null);
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div class="explain" data-testid="explain" data-answers={answers}>
      <form class="create" data-testid="explain-form" onSubmit={submit}>
        <label>
          <span>Source port</span>
          <select name="source" value={form.source} onChange={set('source')}>
            <option value="">choose…</option>
            {ports.map((p) => (
              <option value={p.id}>{label(p)}</option>
            ))}
          </select>
        </label>
        <label>
          <span>Destination</span>
          <select name="destination" value={form.destination} onChange={set('destination')}>
            <option value="">choose…</option>
            {ports.map((p) => (
              <option value={p.id}>{label(p)}</option>
            ))}
            <option value="address">an address…</option>
          </select>
        </label>
        {form.destination === 'address' ? (
          <label>
            <span>Address</span>
            <input name="address" value={form.address} placeholder="198.51.100.7" onInput={set('address')} />
          </label>
        ) : null}
        <label>
          <span>Protocol</span>
          <select name="protocol" value={form.protocol} onChange={set('protocol')}>
            {['tcp', 'udp', 'icmp', 'any'].map((p) => (
              <option value={p}>{p}</option>
            ))}
          </select>
        </label>
        {form.protocol !== 'any' ? (
          <label>
            <span>{form.protocol === 'icmp' ? 'ICMP type' : 'Port'}</span>
            <input name="port" size={6} value={form.port} onInput={set('port')} />
          </label>
        ) : null}
        <div class="buttons">
          <button type="submit" class="primary" disabled={busy || !form.source || !form.destination} data-testid="explain-submit">
            Explain
          </button>
          {answer || error ? (
            <button
              type="button"
              onClick={() => {
                setAnswer(null);
                setError(null);
                onPath(null);
              }}
            >
              Clear
            </button>
          ) : null}
        </div>
        <ErrorBox error={error} />
      </form>
      {answer ? (
        <div class="explain-answer" data-testid="explain-answer">
          <p>
            <span class={`verdict verdict-${answer.verdict}`} data-testid="explain-verdict" data-verdict={answer.verdict}>
              {VERDICT[answer.verdict]}
            </span>
            {answer.note ? <span class="note"> {answer.note}</span> : null}
          </p>
          {answer.blocked_by ? (
            <p class="reason" data-testid="explain-blocked" data-kind={answer.blocked_by.kind} data-direction={answer.blocked_by.direction}>
              <strong>Blocked by</strong> <code>{answer.blocked_by.kind}</code> ({answer.blocked_by.direction}): {answer.blocked_by.reason}
            </p>
          ) : null}
          {answer.suggestion ? (
            <p class="suggestion" data-testid="explain-suggestion">
              <strong>To open it:</strong> {answer.suggestion}
            </p>
          ) : null}
          <Hops title="forward" hops={answer.forward} />
          <Hops title="return" hops={answer.return} />
        </div>
      ) : null}
    </div>
  );
}
