// Validation and conversion of attribute values against their definitions, with Neutron's
// error wording ("Invalid input for <attr>. Reason: ...").
import ipaddr from 'ipaddr.js';
import { NeutronError } from './errors.ts';

/** The value types an attribute can declare. */
export type AttrType =
  | 'string'
  | 'uuid'
  | 'boolean'
  | 'integer'
  | 'ip' // an IPv4 or IPv6 address
  | 'cidr'
  | 'mac'
  | 'list'
  | 'dict'
  | 'any';

/** What validateAttribute checks; a resource attribute's definition (AttributeDef) extends it. */
export interface ValueSpec {
  type: AttrType;
  /** null is an accepted value. */
  nullable?: boolean;
  /** '' counts as null for validation and is stored as null (gateway_ip style). */
  emptyIsNull?: boolean;
  maxLength?: number;
  enum?: readonly unknown[];
  min?: number;
  max?: number;
  /** Element type of a list (validated one by one). */
  items?: AttrType;
  /** Returns an error message when value is invalid (after type checks). */
  validate?: (value: any) => string | undefined;
  /** Normalizes an accepted value before it is stored (e.g. lower-case MAC). */
  convert?: (value: any) => unknown;
}

const UUID_RE = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const MAC_RE = /^([0-9a-f]{2}[:-]){5}[0-9a-f]{2}$/i;

/**
 * A value as text for an error message. Never throws: a client's object may carry its own
 * `toString` or `valueOf` keys, which make String() and template literals throw.
 */
export function display(value: unknown): string {
  if (value === null || typeof value !== 'object') return String(value);
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return '[unprintable]';
  }
}

export function invalidAttr(name: string, reason: string): NeutronError {
  return new NeutronError(400, 'HTTPBadRequest', `Invalid input for ${name}. Reason: ${reason}.`);
}

export const isUuid = (v: unknown): v is string => typeof v === 'string' && UUID_RE.test(v);

export function isIp(v: unknown): v is string {
  return typeof v === 'string' && ipaddr.isValid(v) && (ipaddr.IPv4.isValidFourPartDecimal(v) || (v.includes(':') && ipaddr.IPv6.isValid(v)));
}

/** A CIDR in canonical form (network address, no host bits) or a reason it is not. */
export function checkCidr(v: unknown): string | undefined {
  if (typeof v !== 'string') return `'${display(v)}' is not a valid IP subnet`;
  const slash = v.indexOf('/');
  const addr = slash < 0 ? v : v.slice(0, slash);
  if (!isIp(addr)) return `'${v}' is not a valid IP subnet`;
  if (slash >= 0) {
    const len = v.slice(slash + 1);
    const max = addr.includes(':') ? 128 : 32;
    if (!/^\d+$/.test(len) || Number(len) > max) return `'${v}' is not a valid IP subnet`;
  }
  return undefined;
}

export const INT32_MAX = 2 ** 31 - 1;
const INT32_MIN = -(2 ** 31);
export const isInt32 = (n: number) => Number.isInteger(n) && n >= INT32_MIN && n <= INT32_MAX;

export const isMac = (v: unknown): v is string => typeof v === 'string' && MAC_RE.test(v);

/** Neutron's convert_to_boolean: accepts booleans, 0/1 and their string forms. */
export function toBoolean(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (v === 0 || v === 1) return v === 1;
  if (typeof v === 'string') {
    const s = v.toLowerCase();
    if (s === 'true' || s === '1') return true;
    if (s === 'false' || s === '0') return false;
  }
  return undefined;
}

function reasonForType(type: AttrType, value: unknown): string | undefined {
  switch (type) {
    case 'string':
      return typeof value === 'string' ? undefined : `'${JSON.stringify(value)}' is not a valid string`;
    case 'uuid':
      return isUuid(value) ? undefined : `'${display(value)}' is not a valid UUID`;
    case 'boolean':
      return toBoolean(value) === undefined ? `'${display(value)}' cannot be converted to boolean` : undefined;
    case 'integer': {
      const n = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isInteger(n)) return `'${display(value)}' is not an integer`;
      // Integers are stored in 32-bit columns (as Neutron's); larger ones are invalid input, not a database error.
      return isInt32(n) ? undefined : `'${display(value)}' is out of range - must be between ${INT32_MIN} and ${INT32_MAX}`;
    }
    case 'ip':
      return isIp(value) ? undefined : `'${display(value)}' is not a valid IP address`;
    case 'cidr':
      return checkCidr(value);
    case 'mac':
      return isMac(value) ? undefined : `'${display(value)}' is not a valid MAC address`;
    case 'list':
      return Array.isArray(value) ? undefined : `'${JSON.stringify(value)}' is not a list`;
    case 'dict':
      return value !== null && typeof value === 'object' && !Array.isArray(value) ? undefined : `'${JSON.stringify(value)}' is not a dictionary`;
    case 'any':
      return undefined;
  }
}

/** Converts a value of a declared scalar type to its stored JS form. */
function convertType(type: AttrType, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  switch (type) {
    case 'boolean':
      return toBoolean(value);
    case 'integer':
      return typeof value === 'string' ? Number(value) : value;
    case 'mac':
      return (value as string).toLowerCase().replace(/-/g, ':');
    default:
      return value;
  }
}

/**
 * Checks one attribute value and returns it converted; throws a 400 NeutronError naming
 * the attribute and the reason.
 */
export function validateAttribute(name: string, def: ValueSpec, value: unknown): unknown {
  if (def.emptyIsNull && value === '') value = null;
  if (value === null) {
    if (def.nullable) return null;
    throw invalidAttr(name, `'None' is not an accepted value`);
  }
  const typeReason = reasonForType(def.type, value);
  if (typeReason) throw invalidAttr(name, typeReason);
  let converted = convertType(def.type, value);
  if (def.type === 'list' && def.items) {
    (converted as unknown[]).forEach((item) => {
      const r = reasonForType(def.items!, item);
      if (r) throw invalidAttr(name, r);
    });
    converted = (converted as unknown[]).map((item) => convertType(def.items!, item));
  }
  if (def.maxLength !== undefined && typeof converted === 'string' && converted.length > def.maxLength) {
    throw invalidAttr(name, `'${converted}' exceeds maximum length of ${def.maxLength}`);
  }
  if (def.enum && !def.enum.includes(converted)) {
    throw invalidAttr(name, `'${display(converted)}' is not in ${JSON.stringify(def.enum)}`);
  }
  if (typeof converted === 'number') {
    if (def.min !== undefined && converted < def.min) throw invalidAttr(name, `'${converted}' is too small - must be at least '${def.min}'`);
    if (def.max !== undefined && converted > def.max) throw invalidAttr(name, `'${converted}' is too large - must be no larger than '${def.max}'`);
  }
  if (def.validate) {
    const reason = def.validate(converted);
    if (reason) throw invalidAttr(name, reason);
  }
  return def.convert ? def.convert(converted) : converted;
}
