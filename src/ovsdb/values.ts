// OVSDB's wire values (RFC 7047 section 5.1) and the plain JS form Neutrino works with:
// atoms stay atoms, a uuid is `{ uuid }`, a set is an array, a map an object (string keys).
// Converting back needs the column type, which the schema gives (schema.ts).

export type Uuid = { uuid: string };
/** A reference to a row inserted in the same transaction (`uuid-name`). */
export type NamedUuid = { named: string };
export type Atom = string | number | boolean | Uuid | NamedUuid;
/** A column's value in JS form: an atom, a set (array) or a map (object). */
export type Value = Atom | Atom[] | Record<string, Atom>;

export type WireAtom = string | number | boolean | ['uuid', string] | ['named-uuid', string];
export type Wire = WireAtom | ['set', WireAtom[]] | ['map', [WireAtom, WireAtom][]];

export const uuid = (id: string): Uuid => ({ uuid: id });
export const named = (name: string): NamedUuid => ({ named: name });
export const isUuid = (v: unknown): v is Uuid => !!v && typeof v === 'object' && typeof (v as Uuid).uuid === 'string';
export const isNamed = (v: unknown): v is NamedUuid => !!v && typeof v === 'object' && typeof (v as NamedUuid).named === 'string';

export function atomToWire(a: Atom): WireAtom {
  if (isUuid(a)) return ['uuid', a.uuid];
  if (isNamed(a)) return ['named-uuid', a.named];
  return a;
}

export function atomFromWire(w: unknown): Atom {
  if (Array.isArray(w)) {
    if (w[0] === 'uuid') return { uuid: String(w[1]) };
    if (w[0] === 'named-uuid') return { named: String(w[1]) };
    throw new Error(`OVSDB: unexpected atom ${JSON.stringify(w)}`);
  }
  return w as Atom;
}

/** A set's elements from the wire (a single atom is a one-element set). */
export function setFromWire(w: unknown): Atom[] {
  if (Array.isArray(w) && w[0] === 'set') return (w[1] as unknown[]).map(atomFromWire);
  return [atomFromWire(w)];
}

/** A map from the wire; keys become strings (integer keys as decimal, uuids as their text). */
export function mapFromWire(w: unknown): Record<string, Atom> {
  if (!Array.isArray(w) || w[0] !== 'map') throw new Error(`OVSDB: expected a map, got ${JSON.stringify(w)}`);
  const out: Record<string, Atom> = {};
  for (const [k, v] of w[1] as [unknown, unknown][]) out[atomKey(atomFromWire(k))] = atomFromWire(v);
  return out;
}

export function setToWire(values: Atom[]): ['set', WireAtom[]] | WireAtom {
  return values.length === 1 ? atomToWire(values[0]) : ['set', values.map(atomToWire)];
}

export function mapToWire(values: Record<string, Atom>): ['map', [WireAtom, WireAtom][]] {
  return ['map', Object.entries(values).map(([k, v]) => [k, atomToWire(v)] as [WireAtom, WireAtom])];
}

/** A stable text for an atom (set membership, comparisons). */
export function atomKey(a: Atom): string {
  if (isUuid(a)) return a.uuid;
  if (isNamed(a)) return `named:${a.named}`;
  return String(a);
}
