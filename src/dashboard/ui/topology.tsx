// The network topology, as Horizon draws it: each network a vertical bar (external networks
// first), each device — router, instance, DHCP server, unattached port — a row whose box sits
// beside its first network and whose lines reach every network it has a port on (a dot per
// port, coloured by status); floating IPs sit on their external network with a dashed line to
// the port they are associated with.
import type { Item } from './live.ts';
import type { View } from './model.ts';
import type { PathMark } from './explain.tsx';

const COL_W = 180;
const LEFT = 100;
const TOP = 96;
const ROW_H = 58;
const BOX_W = 132;
const BOX_H = 36;

interface Link {
  networkId: string;
  label: string;
  status: string;
  portId?: string;
}

interface Device {
  key: string;
  kind: 'router' | 'device' | 'port' | 'floatingip';
  title: string;
  subtitle: string;
  status: string;
  links: Link[];
  select: { kind: string; id: string };
  /** Floating IP: the port it forwards to. */
  target?: string;
}

const shortId = (id: string) => id.slice(0, 8);
const ips = (p: Item) => ((p.fixed_ips ?? []) as Array<{ ip_address: string }>).map((f) => f.ip_address).join(', ');

function devices(view: View, networkIds: Set<string>): Device[] {
  const out: Device[] = [];
  const routerIds = new Set(view.routers.map((r) => r.id));
  for (const r of view.routers) {
    const links: Link[] = [];
    const seen = new Set<string>();
    for (const p of view.ports.filter((p) => p.device_id === r.id)) {
      if (!networkIds.has(p.network_id)) continue;
      links.push({ networkId: p.network_id, label: ips(p), status: p.status, portId: p.id });
      seen.add(p.network_id);
    }
    const gw = r.external_gateway_info;
    if (gw?.network_id && !seen.has(gw.network_id) && networkIds.has(gw.network_id)) {
      links.push({ networkId: gw.network_id, label: ((gw.external_fixed_ips ?? []) as Array<{ ip_address: string }>).map((f) => f.ip_address).join(', '), status: r.status });
    }
    out.push({ key: `router:${r.id}`, kind: 'router', title: r.name || shortId(r.id), subtitle: 'router', status: r.status, links, select: { kind: 'routers', id: r.id } });
  }
  const byDevice = new Map<string, Item[]>();
  for (const p of view.ports) {
    if (routerIds.has(p.device_id) || p.device_owner === 'network:floatingip' || !networkIds.has(p.network_id)) continue;
    const key = p.device_id ? `device:${p.device_id}` : `port:${p.id}`;
    byDevice.set(key, [...(byDevice.get(key) ?? []), p]);
  }
  for (const [key, ports] of byDevice) {
    const p = ports[0];
    const owner = (p.device_owner as string) || '';
    const title = key.startsWith('port:') ? p.name || `port ${shortId(p.id)}` : owner === 'network:dhcp' ? 'DHCP' : shortId(p.device_id);
    const subtitle = key.startsWith('port:') ? 'unattached port' : owner || 'device';
    const worst = ports.find((q) => q.status !== 'ACTIVE')?.status ?? 'ACTIVE';
    out.push({
      key,
      kind: key.startsWith('port:') ? 'port' : 'device',
      title,
      subtitle,
      status: worst,
      links: ports.map((q) => ({ networkId: q.network_id, label: ips(q), status: q.status, portId: q.id })),
      select: { kind: 'ports', id: p.id },
    });
  }
  for (const f of view.floatingips) {
    if (!networkIds.has(f.floating_network_id)) continue;
    out.push({
      key: `fip:${f.id}`,
      kind: 'floatingip',
      title: f.floating_ip_address,
      subtitle: f.fixed_ip_address ? `floating IP → ${f.fixed_ip_address}` : 'floating IP (free)',
      status: f.status,
      links: [{ networkId: f.floating_network_id, label: '', status: f.status }],
      select: { kind: 'floatingips', id: f.id },
      target: f.port_id ?? undefined,
    });
  }
  return out;
}

/** ` on-path` / ` path-blocked` for an element the explained path passes (or is stopped at). */
function mark(path: PathMark | null | undefined, ...ids: Array<string | undefined>): string {
  if (!path) return '';
  const own = ids.filter((id): id is string => !!id);
  if (path.blocked && own.includes(path.blocked)) return ' on-path path-blocked';
  return own.some((id) => path.ids.has(id)) ? ' on-path' : '';
}

export function Topology({ view, onSelect, path }: { view: View; onSelect: (kind: string, id: string) => void; path?: PathMark | null }) {
  const networks = [...view.networks].sort((a, b) => Number(!!b['router:external']) - Number(!!a['router:external']) || String(a.name).localeCompare(String(b.name)));
  const column = new Map(networks.map((n, i) => [n.id, i]));
  const rows = devices(view, new Set(column.keys())).filter((d) => d.links.length || d.kind !== 'port');
  const colX = (i: number) => LEFT + i * COL_W;
  const rowY = (r: number) => TOP + 36 + r * ROW_H;
  const width = Math.max(colX(networks.length) + BOX_W + 40, 480);
  const height = rowY(rows.length) + 30;

  // Where each port's dot is, for floating IPs' dashed lines.
  const portAt = new Map<string, { x: number; y: number }>();
  rows.forEach((d, r) => {
    for (const l of d.links) if (l.portId) portAt.set(l.portId, { x: colX(column.get(l.networkId)!) + 6, y: rowY(r) });
  });

  if (!networks.length) {
    return <p class="empty" data-testid="topology-empty">No networks in this project yet. Create one under Networks.</p>;
  }

  return (
    <svg class="topology" data-testid="topology" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label="Network topology">
      {networks.map((n, i) => {
        const subnets = view.subnets.filter((s) => s.network_id === n.id);
        return (
          <g class={`net${n['router:external'] ? ' external' : ''}${mark(path, n.id)}`} data-testid="topology-network" data-name={n.name} data-id={n.id} onClick={() => onSelect('networks', n.id)}>
            <title>{`network ${n.name || n.id} (${n.status})`}</title>
            <rect class="net-bar" x={colX(i)} y={TOP - 6} width={12} height={height - TOP - 4} rx={6} />
            <text class="net-name" x={colX(i)} y={22}>
              {n.name || shortId(n.id)}
            </text>
            <text class="net-sub" x={colX(i)} y={38}>
              {n['router:external'] ? 'external' : n.shared ? 'shared' : n.status}
            </text>
            {subnets.slice(0, 3).map((s, k) => (
              <text class="net-cidr" data-testid="topology-subnet" x={colX(i)} y={54 + k * 13}>
                {s.cidr}
              </text>
            ))}
            {subnets.length > 3 ? (
              <text class="net-cidr" x={colX(i)} y={54 + 3 * 13}>
                +{subnets.length - 3} more
              </text>
            ) : null}
          </g>
        );
      })}
      {rows.map((d, r) => {
        const y = rowY(r);
        const cols = d.links.map((l) => column.get(l.networkId)!).filter((c) => c !== undefined);
        const first = cols.length ? Math.min(...cols) : 0;
        const boxX = colX(first) + 26;
        const target = d.target ? portAt.get(d.target) : undefined;
        // A device is on the path when it is (a router, a floating IP) or one of its ports is.
        const devMark = mark(path, d.kind === 'router' || d.kind === 'floatingip' ? d.select.id : undefined, ...d.links.map((l) => l.portId));
        return (
          <g class={`dev ${d.kind} status-${String(d.status).toLowerCase()}${devMark}`} data-testid={`topology-${d.kind}`} data-name={d.title} data-id={d.select.id} onClick={() => onSelect(d.select.kind, d.select.id)}>
            <title>{`${d.subtitle} ${d.title} (${d.status})`}</title>
            {d.links.map((l) => {
              const x = colX(column.get(l.networkId)!) + 6;
              const fromX = x > boxX ? boxX + BOX_W : boxX;
              // A router's gateway has no port in the project's view: on the path when the router and the network are.
              const linkMark = l.portId ? mark(path, l.portId) : devMark && mark(path, l.networkId) ? ' on-path' : '';
              return (
                <g class={`link status-${String(l.status).toLowerCase()}${linkMark}`} data-port-id={l.portId} data-network-id={l.networkId}>
                  <line x1={fromX} y1={y} x2={x} y2={y} />
                  <circle cx={x} cy={y} r={5} />
                  {l.label ? (
                    // Left of the bar when the device's box is on its right.
                    <text class="ip" x={x < boxX ? x - 9 : x + 9} y={y - 6} text-anchor={x < boxX ? 'end' : 'start'}>
                      {l.label}
                    </text>
                  ) : null}
                </g>
              );
            })}
            {target ? <path class={`fip-link${mark(path, d.select.id)}`} d={`M ${boxX + BOX_W / 2} ${y + BOX_H / 2} L ${target.x} ${target.y}`} /> : null}
            <rect class="box" x={boxX} y={y - BOX_H / 2} width={BOX_W} height={BOX_H} rx={d.kind === 'router' ? 18 : 5} />
            <text class="box-title" x={boxX + 10} y={y - 2}>
              {d.title.length > 18 ? `${d.title.slice(0, 17)}…` : d.title}
            </text>
            <text class="box-sub" x={boxX + 10} y={y + 12}>
              {d.subtitle.length > 22 ? `${d.subtitle.slice(0, 21)}…` : d.subtitle}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
