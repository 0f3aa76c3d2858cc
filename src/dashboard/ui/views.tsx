// Lists, details and the create/delete forms of the dashboard.
import { useEffect, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { api, type Session } from './api.ts';
import { PATHS, type Item, type Kind } from './live.ts';
import type { View } from './model.ts';

export interface Ctx {
  session: Session;
  view: View;
  errors: Partial<Record<Kind, string>>;
  /** The project new resources are created in (admins may pick another one). */
  project: string | null;
  select: (kind: string, id: string | null) => void;
  refresh: (...kinds: Kind[]) => Promise<void>;
}

const name = (view: View, kind: Kind, id: string | null | undefined) => {
  if (!id) return '';
  const item = view[kind].find((i) => i.id === id);
  return item?.name || id.slice(0, 8);
};
const fixedIps = (p: Item) => ((p.fixed_ips ?? []) as Array<{ ip_address: string }>).map((f) => f.ip_address).join(', ');
const yesNo = (v: unknown) => (v ? 'yes' : 'no');

interface Column {
  label: string;
  get: (item: Item, view: View) => ComponentChildren;
}

const Status = ({ value }: { value: string }) => <span class={`status status-${String(value ?? '').toLowerCase()}`}>{value}</span>;

export const TABLES: Record<Exclude<Kind, 'security_group_rules'>, { title: string; singular: string; columns: Column[]; deletable: boolean }> = {
  networks: {
    title: 'Networks',
    singular: 'network',
    deletable: true,
    columns: [
      { label: 'Name', get: (n) => n.name },
      { label: 'Subnets', get: (n, v) => (n.subnets as string[]).map((s) => v.subnets.find((x) => x.id === s)?.cidr ?? s.slice(0, 8)).join(', ') },
      { label: 'Shared', get: (n) => yesNo(n.shared) },
      { label: 'External', get: (n) => yesNo(n['router:external']) },
      { label: 'Admin state', get: (n) => (n.admin_state_up ? 'UP' : 'DOWN') },
      { label: 'Status', get: (n) => <Status value={n.status} /> },
    ],
  },
  subnets: {
    title: 'Subnets',
    singular: 'subnet',
    deletable: true,
    columns: [
      { label: 'Name', get: (s) => s.name },
      { label: 'Network', get: (s, v) => name(v, 'networks', s.network_id) },
      { label: 'CIDR', get: (s) => s.cidr },
      { label: 'IP version', get: (s) => `IPv${s.ip_version}` },
      { label: 'Gateway', get: (s) => s.gateway_ip ?? '' },
      { label: 'DHCP', get: (s) => yesNo(s.enable_dhcp) },
    ],
  },
  ports: {
    title: 'Ports',
    singular: 'port',
    deletable: false,
    columns: [
      { label: 'Name', get: (p) => p.name || p.id.slice(0, 8) },
      { label: 'Network', get: (p, v) => name(v, 'networks', p.network_id) },
      { label: 'Fixed IPs', get: (p) => fixedIps(p) },
      { label: 'MAC', get: (p) => p.mac_address },
      { label: 'Owner', get: (p) => p.device_owner },
      { label: 'Status', get: (p) => <Status value={p.status} /> },
    ],
  },
  routers: {
    title: 'Routers',
    singular: 'router',
    deletable: true,
    columns: [
      { label: 'Name', get: (r) => r.name },
      { label: 'External network', get: (r, v) => name(v, 'networks', r.external_gateway_info?.network_id) },
      { label: 'Interfaces', get: (r, v) => v.ports.filter((p) => p.device_id === r.id && p.device_owner !== 'network:router_gateway').length },
      { label: 'Admin state', get: (r) => (r.admin_state_up ? 'UP' : 'DOWN') },
      { label: 'Status', get: (r) => <Status value={r.status} /> },
    ],
  },
  floatingips: {
    title: 'Floating IPs',
    singular: 'floating IP',
    deletable: true,
    columns: [
      { label: 'Address', get: (f) => f.floating_ip_address },
      { label: 'Network', get: (f, v) => name(v, 'networks', f.floating_network_id) },
      { label: 'Fixed IP', get: (f) => f.fixed_ip_address ?? '' },
      { label: 'Port', get: (f, v) => name(v, 'ports', f.port_id) },
      { label: 'Status', get: (f) => <Status value={f.status} /> },
    ],
  },
  security_groups: {
    title: 'Security groups',
    singular: 'security group',
    deletable: false,
    columns: [
      { label: 'Name', get: (g) => g.name },
      { label: 'Description', get: (g) => g.description },
      { label: 'Rules', get: (g, v) => v.security_group_rules.filter((r) => r.security_group_id === g.id).length },
      { label: 'Stateful', get: (g) => yesNo(g.stateful ?? true) },
    ],
  },
  agents: {
    title: 'Agents',
    singular: 'agent',
    deletable: false,
    columns: [
      { label: 'Type', get: (a) => a.agent_type },
      { label: 'Host', get: (a) => a.host },
      { label: 'Binary', get: (a) => a.binary },
      { label: 'Alive', get: (a) => (a.alive ? 'alive' : 'dead') },
      { label: 'Admin state', get: (a) => (a.admin_state_up ? 'UP' : 'DOWN') },
    ],
  },
};

export type TableKind = keyof typeof TABLES;

/** The API's error message, shown where the action was taken. */
export function ErrorBox({ error }: { error: string | null }) {
  return error ? (
    <div class="error" role="alert" data-testid="error">
      {error}
    </div>
  ) : null;
}

function DeleteButton({ ctx, kind, item }: { ctx: Ctx; kind: Kind; item: Item }) {
  const [armed, setArmed] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const remove = async () => {
    setError(null);
    try {
      await api(ctx.session, 'DELETE', `${PATHS[kind]}/${item.id}`);
      ctx.select(kind, null);
      await ctx.refresh(kind, 'ports', 'networks', 'subnets', 'routers', 'floatingips');
    } catch (err) {
      setError((err as Error).message);
      setArmed(false);
    }
  };
  return (
    <span class="delete">
      {armed ? (
        <>
          <button class="danger" data-testid="confirm-delete" onClick={remove}>
            Confirm delete
          </button>
          <button onClick={() => setArmed(false)}>Cancel</button>
        </>
      ) : (
        <button class="danger" data-testid="delete" onClick={() => setArmed(true)}>
          Delete
        </button>
      )}
      <ErrorBox error={error} />
    </span>
  );
}

export function ListView({ ctx, kind, children }: { ctx: Ctx; kind: TableKind; children?: ComponentChildren }) {
  const table = TABLES[kind];
  const items = [...ctx.view[kind]].sort((a, b) => String(a.name ?? a.floating_ip_address ?? a.host ?? '').localeCompare(String(b.name ?? b.floating_ip_address ?? b.host ?? '')));
  return (
    <section class="list" data-testid={`list-${kind}`}>
      <div class="list-head">
        <h2>{table.title}</h2>
        {children}
      </div>
      <ErrorBox error={ctx.errors[kind] ?? null} />
      {items.length ? (
        <table>
          <thead>
            <tr>
              {table.columns.map((c) => (
                <th>{c.label}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {items.map((item) => (
              <tr data-id={item.id} data-name={item.name} onClick={() => ctx.select(kind, item.id)}>
                {table.columns.map((c) => (
                  <td>{c.get(item, ctx.view)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      ) : ctx.errors[kind] ? null : (
        <p class="empty">No {table.title.toLowerCase()}.</p>
      )}
    </section>
  );
}

const show = (v: unknown): string => (v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v, null, 1) : String(v));

/** Why a port is not ACTIVE, from what the API says about it. */
export function portReason(p: Item): string | null {
  if (p.status === 'ACTIVE') return null;
  for (const key of ['status_reason', 'status_details', 'status_description']) if (p[key]) return String(p[key]);
  if (p.admin_state_up === false) return 'The port is administratively down (admin_state_up is false).';
  const vif = p['binding:vif_type'];
  if (vif === 'binding_failed') return `Binding failed on host ${p['binding:host_id'] || '(none)'}: no mechanism could bind it there.`;
  if (!p['binding:host_id'] && p.device_owner !== 'network:router_interface' && p.device_owner !== 'network:router_gateway') {
    return 'Not bound to a host (binding:host_id is empty): nothing has plugged this port in yet.';
  }
  return `Status ${p.status}: the backend has not reported this port up yet.`;
}

/**
 * Why a port is not ACTIVE: the reason its backend reported (GET /v2.0/status-reports, readable
 * by admins and services), else what the port's own attributes say.
 */
function PortReason({ ctx, port, derived }: { ctx: Ctx; port: Item; derived: string }) {
  const [reported, setReported] = useState<string | null>(null);
  useEffect(() => {
    setReported(null);
    if (!ctx.session.isAdmin) return;
    let live = true;
    api(ctx.session, 'GET', `/v2.0/status-reports?resource=ports&id=${encodeURIComponent(port.id)}`).then(
      (body) => {
        const report = (body?.status_reports ?? []).find((r: Item) => r.id === port.id);
        if (live && report?.reason) setReported(`${report.reason} (reported ${report.status} at revision ${report.revision})`);
      },
      () => undefined, // no status reports on this server, or not allowed: the derived reason stays
    );
    return () => {
      live = false;
    };
  }, [port.id, port.status, port.revision_number]);
  return (
    <p class="reason" data-testid="port-reason">
      <strong>Why not ACTIVE:</strong> {reported ?? derived}
    </p>
  );
}

export function Details({ ctx, kind, id }: { ctx: Ctx; kind: Kind; id: string }) {
  const item = ctx.view[kind]?.find((i) => i.id === id);
  if (!item) return null;
  const table = kind in TABLES ? TABLES[kind as TableKind] : undefined;
  const reason = kind === 'ports' ? portReason(item) : null;
  return (
    <aside class="details" data-testid="details">
      <div class="details-head">
        <h3>
          {table?.singular ?? kind} {item.name || item.floating_ip_address || item.id}
        </h3>
        <button class="close" onClick={() => ctx.select(kind, null)} aria-label="Close">
          ×
        </button>
      </div>
      {reason ? <PortReason ctx={ctx} port={item} derived={reason} /> : null}
      {table?.deletable ? <DeleteButton ctx={ctx} kind={kind} item={item} /> : null}
      {kind === 'routers' ? <RouterInterfaces ctx={ctx} router={item} /> : null}
      {kind === 'security_groups' ? <Rules ctx={ctx} group={item} /> : null}
      <dl>
        {Object.keys(item)
          .sort()
          .map((k) => (
            <>
              <dt>{k}</dt>
              <dd>{show(item[k])}</dd>
            </>
          ))}
      </dl>
    </aside>
  );
}

function Rules({ ctx, group }: { ctx: Ctx; group: Item }) {
  const rules = ctx.view.security_group_rules.filter((r) => r.security_group_id === group.id);
  return (
    <div class="rules">
      <h4>Rules</h4>
      <table data-testid="rules">
        <thead>
          <tr>
            <th>Direction</th>
            <th>Ether type</th>
            <th>Protocol</th>
            <th>Ports</th>
            <th>Remote</th>
          </tr>
        </thead>
        <tbody>
          {rules.map((r) => (
            <tr>
              <td>{r.direction}</td>
              <td>{r.ethertype}</td>
              <td>{r.protocol ?? 'any'}</td>
              <td>{r.port_range_min === null || r.port_range_min === undefined ? 'any' : r.port_range_min === r.port_range_max ? r.port_range_min : `${r.port_range_min}-${r.port_range_max}`}</td>
              <td>{r.remote_ip_prefix ?? (r.remote_group_id ? `group ${name(ctx.view, 'security_groups', r.remote_group_id)}` : r.remote_address_group_id ? 'address group' : 'any')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function RouterInterfaces({ ctx, router }: { ctx: Ctx; router: Item }) {
  const [subnet, setSubnet] = useState('');
  const [error, setError] = useState<string | null>(null);
  const interfaces = ctx.view.ports.filter((p) => p.device_id === router.id && p.device_owner !== 'network:router_gateway');
  const attached = new Set(interfaces.flatMap((p) => (p.fixed_ips as Array<{ subnet_id: string }>).map((f) => f.subnet_id)));
  const candidates = ctx.view.subnets.filter((s) => !attached.has(s.id) && !ctx.view.networks.find((n) => n.id === s.network_id)?.['router:external']);
  const call = async (action: 'add_router_interface' | 'remove_router_interface', body: unknown) => {
    setError(null);
    try {
      await api(ctx.session, 'PUT', `/v2.0/routers/${router.id}/${action}`, body);
      setSubnet('');
      await ctx.refresh('ports', 'routers', 'subnets');
    } catch (err) {
      setError((err as Error).message);
    }
  };
  return (
    <div class="interfaces">
      <h4>Interfaces</h4>
      <ul>
        {interfaces.map((p) => (
          <li data-testid="router-interface">
            {name(ctx.view, 'networks', p.network_id)} {fixedIps(p)} <Status value={p.status} />{' '}
            <button onClick={() => call('remove_router_interface', { port_id: p.id })}>Remove</button>
          </li>
        ))}
      </ul>
      <form
        class="inline"
        onSubmit={(e) => {
          e.preventDefault();
          if (subnet) void call('add_router_interface', { subnet_id: subnet });
        }}
      >
        <select data-testid="interface-subnet" value={subnet} onChange={(e) => setSubnet((e.target as HTMLSelectElement).value)}>
          <option value="">subnet…</option>
          {candidates.map((s) => (
            <option value={s.id}>
              {name(ctx.view, 'networks', s.network_id)} {s.cidr}
            </option>
          ))}
        </select>
        <button type="submit" data-testid="add-interface">
          Add interface
        </button>
      </form>
      <ErrorBox error={error} />
    </div>
  );
}

// ---- create forms ----

interface Field {
  key: string;
  label: string;
  type?: 'text' | 'checkbox' | 'select';
  options?: Array<{ value: string; label: string }>;
  placeholder?: string;
  initial?: string | boolean;
}

function CreateForm({ ctx, kind, fields, toBody, refresh }: { ctx: Ctx; kind: Kind; fields: Field[]; toBody: (values: Record<string, any>) => Record<string, unknown>; refresh: Kind[] }) {
  const initial = () => Object.fromEntries(fields.map((f) => [f.key, f.initial ?? (f.type === 'checkbox' ? false : '')]));
  const [open, setOpen] = useState(false);
  const [values, setValues] = useState<Record<string, any>>(initial);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const member = PATHS[kind].split('/').pop()!.replace(/-/g, '_').replace(/s$/, '');
  if (!open) {
    return (
      <button class="primary" data-testid={`create-${kind}`} onClick={() => setOpen(true)}>
        Create {TABLES[kind as TableKind]?.singular ?? member}
      </button>
    );
  }
  const submit = async (e: Event) => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const body = toBody(values);
      if (ctx.project && ctx.session.isAdmin && ctx.project !== ctx.session.project.id) body.project_id = ctx.project;
      await api(ctx.session, 'POST', PATHS[kind], { [member]: body });
      setOpen(false);
      setValues(initial());
      await ctx.refresh(...refresh);
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="create" data-testid={`form-${kind}`} onSubmit={submit}>
      {fields.map((f) => (
        <label class={f.type === 'checkbox' ? 'check' : ''}>
          <span>{f.label}</span>
          {f.type === 'checkbox' ? (
            <input type="checkbox" name={f.key} checked={!!values[f.key]} onChange={(e) => setValues({ ...values, [f.key]: (e.target as HTMLInputElement).checked })} />
          ) : f.type === 'select' ? (
            <select name={f.key} value={values[f.key]} onChange={(e) => setValues({ ...values, [f.key]: (e.target as HTMLSelectElement).value })}>
              {(f.options ?? []).map((o) => (
                <option value={o.value}>{o.label}</option>
              ))}
            </select>
          ) : (
            <input name={f.key} value={values[f.key]} placeholder={f.placeholder} onInput={(e) => setValues({ ...values, [f.key]: (e.target as HTMLInputElement).value })} />
          )}
        </label>
      ))}
      <div class="buttons">
        <button type="submit" class="primary" disabled={busy} data-testid="submit">
          Create
        </button>
        <button type="button" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
      <ErrorBox error={error} />
    </form>
  );
}

const optional = (v: string) => (v.trim() ? v.trim() : undefined);

export function CreateNetwork({ ctx }: { ctx: Ctx }) {
  const fields: Field[] = [
    { key: 'name', label: 'Name' },
    { key: 'admin_state_up', label: 'Admin state up', type: 'checkbox', initial: true },
    { key: 'shared', label: 'Shared', type: 'checkbox' },
  ];
  if (ctx.session.isAdmin) fields.push({ key: 'external', label: 'External', type: 'checkbox' });
  return (
    <CreateForm
      ctx={ctx}
      kind="networks"
      fields={fields}
      refresh={['networks']}
      toBody={(v) => ({ name: v.name, admin_state_up: v.admin_state_up, ...(v.shared ? { shared: true } : {}), ...(v.external ? { 'router:external': true } : {}) })}
    />
  );
}

export function CreateSubnet({ ctx }: { ctx: Ctx }) {
  const networks = ctx.view.networks.map((n) => ({ value: n.id, label: n.name || n.id }));
  return (
    <CreateForm
      ctx={ctx}
      kind="subnets"
      refresh={['subnets', 'networks', 'ports']}
      fields={[
        { key: 'network_id', label: 'Network', type: 'select', options: [{ value: '', label: 'choose…' }, ...networks] },
        { key: 'name', label: 'Name' },
        { key: 'ip_version', label: 'IP version', type: 'select', options: [{ value: '4', label: 'IPv4' }, { value: '6', label: 'IPv6' }], initial: '4' },
        { key: 'cidr', label: 'CIDR', placeholder: '10.0.0.0/24' },
        { key: 'gateway_ip', label: 'Gateway IP (empty: first address)' },
        { key: 'enable_dhcp', label: 'DHCP', type: 'checkbox', initial: true },
      ]}
      toBody={(v) => ({ network_id: v.network_id, name: v.name, ip_version: Number(v.ip_version), cidr: v.cidr.trim(), gateway_ip: optional(v.gateway_ip), enable_dhcp: v.enable_dhcp })}
    />
  );
}

export function CreateRouter({ ctx }: { ctx: Ctx }) {
  const externals = ctx.view.networks.filter((n) => n['router:external']).map((n) => ({ value: n.id, label: n.name || n.id }));
  return (
    <CreateForm
      ctx={ctx}
      kind="routers"
      refresh={['routers', 'ports']}
      fields={[
        { key: 'name', label: 'Name' },
        { key: 'gateway', label: 'External network', type: 'select', options: [{ value: '', label: 'none' }, ...externals] },
        { key: 'admin_state_up', label: 'Admin state up', type: 'checkbox', initial: true },
      ]}
      toBody={(v) => ({ name: v.name, admin_state_up: v.admin_state_up, ...(v.gateway ? { external_gateway_info: { network_id: v.gateway } } : {}) })}
    />
  );
}

export function CreateFloatingIp({ ctx }: { ctx: Ctx }) {
  const externals = ctx.view.networks.filter((n) => n['router:external']).map((n) => ({ value: n.id, label: n.name || n.id }));
  const ports = ctx.view.ports
    .filter((p) => !String(p.device_owner ?? '').startsWith('network:') && (p.fixed_ips ?? []).length)
    .map((p) => ({ value: p.id, label: `${p.name || p.id.slice(0, 8)} ${fixedIps(p)}` }));
  return (
    <CreateForm
      ctx={ctx}
      kind="floatingips"
      refresh={['floatingips', 'ports']}
      fields={[
        { key: 'floating_network_id', label: 'External network', type: 'select', options: [{ value: '', label: 'choose…' }, ...externals] },
        { key: 'port_id', label: 'Associate with port', type: 'select', options: [{ value: '', label: 'none' }, ...ports] },
        { key: 'description', label: 'Description' },
      ]}
      toBody={(v) => ({ floating_network_id: v.floating_network_id, ...(v.port_id ? { port_id: v.port_id } : {}), ...(v.description ? { description: v.description } : {}) })}
    />
  );
}
