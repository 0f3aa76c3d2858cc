// The parts of an OVSDB schema (RFC 7047 section 3.2) the client needs: which columns are
// sets or maps, so values convert between the wire and JS forms, and which tables are
// roots (rows of non-root tables live only while something references them).
import { atomFromWire, mapFromWire, mapToWire, setFromWire, setToWire, atomToWire, type Value, type Wire, type Atom } from './values.ts';

export interface ColumnType {
  kind: 'atom' | 'set' | 'map';
  key: string;
  value?: string;
  min: number;
  max: number | 'unlimited';
  /** Table a uuid key refers to, if any. */
  refTable?: string;
}

export interface TableSchema {
  name: string;
  isRoot: boolean;
  columns: Record<string, ColumnType>;
}

export interface DatabaseSchema {
  name: string;
  version: string;
  tables: Record<string, TableSchema>;
}

function baseType(t: any): { type: string; refTable?: string } {
  return typeof t === 'string' ? { type: t } : { type: t.type, refTable: t.refTable };
}

function columnType(t: any): ColumnType {
  if (typeof t === 'string') return { kind: 'atom', key: t, min: 1, max: 1 };
  const key = baseType(t.key);
  const min = t.min ?? 1;
  const max = t.max ?? 1;
  const kind = t.value !== undefined ? 'map' : min === 1 && max === 1 ? 'atom' : 'set';
  return { kind, key: key.type, value: t.value !== undefined ? baseType(t.value).type : undefined, min, max, refTable: key.refTable };
}

/** Parses a schema as get_schema returns it (or as an .ovsschema file holds it). */
export function parseSchema(json: any): DatabaseSchema {
  const tables: Record<string, TableSchema> = {};
  for (const [name, t] of Object.entries<any>(json.tables)) {
    const columns: Record<string, ColumnType> = {};
    for (const [col, c] of Object.entries<any>(t.columns)) columns[col] = columnType(c.type);
    // _uuid and _version exist in every table.
    columns._uuid = { kind: 'atom', key: 'uuid', min: 1, max: 1 };
    columns._version = { kind: 'atom', key: 'uuid', min: 1, max: 1 };
    tables[name] = { name, isRoot: !!t.isRoot, columns };
  }
  return { name: json.name, version: json.version, tables };
}

/** A column's JS value from the wire. */
export function fromWire(type: ColumnType | undefined, w: unknown): Value {
  if (!type) return w as Value;
  if (type.kind === 'map') return mapFromWire(w);
  if (type.kind === 'set') return setFromWire(w);
  return atomFromWire(w);
}

/** A column's wire value from JS. */
export function toWire(type: ColumnType | undefined, v: Value): Wire {
  if (type?.kind === 'map') return mapToWire(v as Record<string, Atom>);
  if (type?.kind === 'set') return setToWire(Array.isArray(v) ? v : [v as Atom]);
  if (Array.isArray(v)) return setToWire(v);
  if (v && typeof v === 'object' && !('uuid' in v) && !('named' in v)) return mapToWire(v as Record<string, Atom>);
  return atomToWire(v as Atom);
}
