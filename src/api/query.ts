// Parsing of list query strings into a ListQuery (filters, tags, fields, sorting,
// pagination) and building of Neutron's pagination links.
import { badRequest } from '../foundation/errors.ts';
import { isInt32, toBoolean } from '../foundation/validation.ts';
import type { ListQuery, SortKey } from '../framework/repository.ts';
import type { ResourceService } from '../framework/resource-service.ts';

type Raw = Record<string, string | string[] | undefined>;

/** Limits above this (PostgreSQL's largest bigint is 2^63-1) are read as no limit. */
const MAX_LIMIT = Number.MAX_SAFE_INTEGER;

const RESERVED = new Set(['fields', 'sort_key', 'sort_dir', 'limit', 'marker', 'page_reverse', 'tags', 'tags-any', 'not-tags', 'not-tags-any']);

export const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function tagList(raw: Raw, name: string): string[] | undefined {
  const values = asList(raw[name]).flatMap((v) => v.split(',')).filter(Boolean);
  return values.length ? values : undefined;
}

/** Converts one filter value by the attribute's type ("true" → true, "5" → 5). */
function convertFilter(service: ResourceService, name: string, value: string): unknown {
  const def = service.resource.attributes[name];
  if (!def) return value;
  if (def.type === 'boolean') {
    const b = toBoolean(value);
    if (b === undefined) throw badRequest(`Invalid input for ${name}. Reason: '${value}' cannot be converted to boolean.`);
    return b;
  }
  if (def.type === 'integer') {
    if (!/^-?\d+$/.test(value)) throw badRequest(`Invalid input for ${name}. Reason: '${value}' is not an integer.`);
    if (!isInt32(Number(value))) throw badRequest(`Invalid input for ${name}. Reason: '${value}' is out of range.`);
    return Number(value);
  }
  return value;
}

export function parseListQuery(service: ResourceService, raw: Raw, maxLimit = 0): ListQuery {
  const filters: Record<string, unknown[]> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (RESERVED.has(name) || value === undefined) continue;
    if (!service.isFilterable(name)) throw badRequest(`[${name}] is invalid attribute for filtering`);
    const key = name === 'tenant_id' ? 'project_id' : name;
    filters[key] = [...(filters[key] ?? []), ...asList(value).map((v) => convertFilter(service, name, v))];
  }

  const keys = asList(raw.sort_key);
  const dirs = asList(raw.sort_dir);
  if (dirs.length && dirs.length !== keys.length) throw badRequest('The number of sort_keys and sort_dirs must be same');
  const sort: SortKey[] = keys.map((key, i) => {
    const dir = (dirs[i] ?? 'asc').toLowerCase();
    if (dir !== 'asc' && dir !== 'desc') throw badRequest(`${dirs[i]} is invalid value for sort_dir, valid values are 'asc' and 'desc'`);
    if (!(key in service.resource.attributes)) throw badRequest(`${key} is an invalid attribute for sort_keys`);
    return { key: key === 'tenant_id' ? 'project_id' : key, dir: dir as 'asc' | 'desc' };
  });

  let limit: number | undefined;
  if (raw.limit !== undefined) {
    const s = asList(raw.limit)[0];
    if (!/^\d+$/.test(s)) throw badRequest(`Limit must be an integer 0 or greater and not '${s}'`);
    // Any size is accepted, as Neutron does; beyond what a database can take it means "all".
    limit = s.length > 15 || Number(s) > MAX_LIMIT ? undefined : Number(s) || undefined;
  }
  if (maxLimit > 0 && (limit === undefined || limit > maxLimit)) limit = maxLimit;
  const pageReverse = raw.page_reverse !== undefined ? toBoolean(asList(raw.page_reverse)[0]) === true : false;

  const fields = asList(raw.fields).flatMap((f) => f.split(',')).filter(Boolean);
  return {
    filters,
    tags: { all: tagList(raw, 'tags'), any: tagList(raw, 'tags-any'), notAll: tagList(raw, 'not-tags'), notAny: tagList(raw, 'not-tags-any') },
    fields: fields.length ? fields : undefined,
    sort,
    limit,
    marker: raw.marker !== undefined ? asList(raw.marker)[0] : undefined,
    pageReverse,
  };
}

/** Keeps only the requested fields (all when none were requested). */
export function project<T extends Record<string, unknown>>(item: T, fields: string[] | undefined): Record<string, unknown> {
  if (!fields) return item;
  const out: Record<string, unknown> = {};
  for (const f of fields) if (Object.hasOwn(item, f)) out[f] = item[f];
  return out;
}

/** Neutron's `<collection>_links`: next when the page is full, previous when paging from a marker. */
export function paginationLinks(baseUrl: string, raw: Raw, query: ListQuery, items: { id: string }[]): { rel: string; href: string }[] {
  if (!query.limit || items.length === 0) return [];
  const href = (marker: string, reverse: boolean) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(raw)) {
      if (k === 'marker' || k === 'page_reverse') continue;
      for (const value of asList(v)) params.append(k, value);
    }
    params.set('marker', marker);
    if (reverse) params.set('page_reverse', 'True');
    return `${baseUrl}?${params.toString()}`;
  };
  const links: { rel: string; href: string }[] = [];
  const full = items.length >= query.limit;
  if (query.pageReverse) {
    if (full) links.push({ rel: 'previous', href: href(items[0].id, true) });
    links.push({ rel: 'next', href: href(items[items.length - 1].id, false) });
  } else {
    if (full) links.push({ rel: 'next', href: href(items[items.length - 1].id, false) });
    if (query.marker) links.push({ rel: 'previous', href: href(items[0].id, true) });
  }
  return links;
}
