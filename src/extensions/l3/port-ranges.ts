// Port ranges of port forwardings ("80:90", or "80" for one port), as Neutron's
// validate_port_range_or_none reads them.

export interface PortRange {
  start: number;
  end: number;
}

/** The range, or the reason value is not one (Neutron's wording). */
export function parsePortRange(value: unknown): { range?: PortRange; reason?: string } {
  if (value === null || value === undefined) return {};
  const parts = String(value).split(':');
  if (parts.length > 2 || parts.some((p) => p.length === 0)) return { reason: 'Port range must be two integers separated by a colon' };
  for (const p of parts) {
    if (!/^\d+$/.test(p) || Number(p) > 65535) return { reason: `Invalid port: ${p}` };
    if (Number(p) < 1) return { reason: `Invalid port: ${p}, the port must be in the range [1, 65535]` };
  }
  const [start, end = start] = parts.map(Number);
  if (start > end) return { reason: 'First port in a port range must be lower than the second port' };
  return { range: { start, end } };
}

export const formatRange = (r: PortRange) => `${r.start}:${r.end}`;

export const overlaps = (a: PortRange, b: PortRange) => Math.max(a.start, b.start) <= Math.min(a.end, b.end);
