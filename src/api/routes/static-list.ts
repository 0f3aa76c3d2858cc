// Filters and `fields` for the small lists that are not stored resources (availability
// zones, service providers): equality filters on the given keys, the rest is 400.
import { badRequest } from '../../foundation/errors.ts';
import { asList } from '../query.ts';
import { toBoolean } from '../../foundation/validation.ts';

const matches = (value: unknown, wanted: string[]) => (typeof value === 'boolean' ? wanted.some((w) => toBoolean(w) === value) : wanted.includes(String(value)));

export function filterStatic<T extends Record<string, unknown>>(items: T[], raw: Record<string, string | string[] | undefined>, filters: string[]): Record<string, unknown>[] {
  let out = items;
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'fields') continue;
    if (!filters.includes(key)) throw badRequest(`[${key}] is invalid attribute for filtering`);
    const wanted = asList(value);
    out = out.filter((item) => matches(item[key], wanted));
  }
  const fields = asList(raw.fields).flatMap((f) => f.split(',')).filter(Boolean);
  return fields.length ? out.map((item) => Object.fromEntries(fields.filter((f) => Object.hasOwn(item, f)).map((f) => [f, item[f]]))) : out;
}
