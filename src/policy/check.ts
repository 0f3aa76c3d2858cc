// oslo.policy check strings: parsing into a tree and evaluating it against the caller's
// credentials and a target (the resource in its API form, plus its parents' fields under
// `<parent>:<attr>` keys, e.g. `network:tenant_id`).
//
// Grammar (as oslo.policy reads it): checks joined by `and` / `or`, negated by `not`,
// grouped by parentheses; `not` binds tighter than `and`, which binds tighter than `or`.
// An empty string always passes. Checks:
//   @ / !                    always / never
//   rule:<name>              another rule
//   role:<name>              the caller has that role (case-insensitive)
//   field:<res>:<attr>=<v>   the target's attribute equals v (`~regex` matches; True/False are booleans)
//   <cred>:<value>           a credential (project_id, tenant_id, user_id, is_admin, ...) equals
//                            the value, where `%(key)s` in the value is taken from the target

export interface Credentials {
  project_id: string | null;
  tenant_id: string | null;
  user_id: string | null;
  /** Lower-case, with implied roles included. */
  roles: string[];
  is_admin: boolean;
  [key: string]: unknown;
}

export type Target = Record<string, unknown>;

/** What a check needs from the engine while evaluating: named rules. */
export interface RuleResolver {
  evaluateRule(name: string, creds: Credentials, target: Target, depth: number): boolean;
}

export type Check =
  | { kind: 'true' }
  | { kind: 'false' }
  | { kind: 'and'; checks: Check[] }
  | { kind: 'or'; checks: Check[] }
  | { kind: 'not'; check: Check }
  | { kind: 'rule'; name: string }
  | { kind: 'role'; role: string }
  | { kind: 'field'; resource: string; attribute: string; value: boolean | string | RegExp }
  | { kind: 'generic'; left: string; right: string };

export class CheckSyntaxError extends Error {}

/** Splits a check string into tokens: `(`, `)`, `and`, `or`, `not` and checks. */
function tokenize(text: string): string[] {
  const tokens: string[] = [];
  for (const word of text.split(/\s+/).filter(Boolean)) {
    let w = word;
    while (w.startsWith('(')) {
      tokens.push('(');
      w = w.slice(1);
    }
    let closing = 0;
    while (w.endsWith(')') && !/%\([^)]*\)$/.test(w)) {
      closing++;
      w = w.slice(0, -1);
    }
    if (w) tokens.push(w);
    for (let i = 0; i < closing; i++) tokens.push(')');
  }
  return tokens;
}

function literal(text: string): boolean | string {
  if (text === 'True') return true;
  if (text === 'False') return false;
  const quoted = /^(['"])(.*)\1$/.exec(text);
  return quoted ? quoted[2] : text;
}

/** One check token → its Check. */
function parseAtom(token: string): Check {
  if (token === '@') return { kind: 'true' };
  if (token === '!') return { kind: 'false' };
  const colon = token.indexOf(':');
  if (colon <= 0) throw new CheckSyntaxError(`'${token}' is not a check (expected kind:match)`);
  const kind = token.slice(0, colon);
  const match = token.slice(colon + 1);
  if (kind === 'rule') return { kind: 'rule', name: match };
  if (kind === 'role') return { kind: 'role', role: match.toLowerCase() };
  if (kind === 'field') {
    // field:<resource>:<attribute>=<value>; the attribute may itself contain ':' (router:external).
    const m = /^([^:=]+):([^=]+)=(.*)$/.exec(match);
    if (!m) throw new CheckSyntaxError(`'${token}' is not a field check (field:resource:attribute=value)`);
    const raw = m[3];
    const value = raw.startsWith('~') ? new RegExp(raw.slice(1)) : literal(raw);
    return { kind: 'field', resource: m[1], attribute: m[2], value };
  }
  return { kind: 'generic', left: kind, right: match };
}

/** Parses a check string; throws CheckSyntaxError when it is malformed. */
export function parseCheck(text: string): Check {
  const tokens = tokenize(text);
  if (tokens.length === 0) return { kind: 'true' };
  let pos = 0;
  const peek = () => tokens[pos];
  const orExpr = (): Check => {
    const checks = [andExpr()];
    while (peek() === 'or') {
      pos++;
      checks.push(andExpr());
    }
    return checks.length === 1 ? checks[0] : { kind: 'or', checks };
  };
  const andExpr = (): Check => {
    const checks = [notExpr()];
    while (peek() === 'and') {
      pos++;
      checks.push(notExpr());
    }
    return checks.length === 1 ? checks[0] : { kind: 'and', checks };
  };
  const notExpr = (): Check => {
    if (peek() === 'not') {
      pos++;
      return { kind: 'not', check: notExpr() };
    }
    return atom();
  };
  const atom = (): Check => {
    const token = tokens[pos++];
    if (token === undefined) throw new CheckSyntaxError(`unexpected end of '${text}'`);
    if (token === '(') {
      const inner = orExpr();
      if (tokens[pos++] !== ')') throw new CheckSyntaxError(`missing ')' in '${text}'`);
      return inner;
    }
    if (token === ')' || token === 'and' || token === 'or') throw new CheckSyntaxError(`unexpected '${token}' in '${text}'`);
    return parseAtom(token);
  };
  const check = orExpr();
  if (pos < tokens.length) throw new CheckSyntaxError(`unexpected '${tokens[pos]}' in '${text}'`);
  return check;
}

/** `%(key)s` substitutions from the target; undefined when a key is missing. */
function interpolate(template: string, target: Target): string | undefined {
  let missing = false;
  const out = template.replace(INTERPOLATION, (_, key: string) => {
    const value = lookup(target, key);
    if (value === undefined || value === null) {
      missing = true;
      return '';
    }
    return text(value);
  });
  return missing ? undefined : out;
}

/** String(value) that never throws (a client's object may carry its own `toString` key). */
function text(value: unknown): string {
  try {
    return String(value);
  } catch {
    return JSON.stringify(value) ?? '';
  }
}

/** target[key], or a nested path (`network.tenant_id` into objects) when the flat key is absent. */
function lookup(source: Record<string, unknown>, key: string): unknown {
  if (Object.hasOwn(source, key)) return source[key];
  let value: unknown = source;
  for (const part of key.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Python's str() of a credential, so `is_admin:True` compares as oslo.policy does. */
function pyString(value: unknown): string {
  if (value === true) return 'True';
  if (value === false) return 'False';
  return text(value);
}

/** The parent's key a field check reads first (`network:shared` for `field:networks:shared`). */
const parentKeyOf = (resource: string, attribute: string) => `${resource.endsWith('s') ? resource.slice(0, -1) : resource}:${attribute}`;

/**
 * The target's value for a field check: the parent's when the target has that parent
 * (`network:shared` for `field:networks:shared` on a subnet or port), else its own.
 */
function fieldValue(resource: string, attribute: string, target: Target): unknown {
  const parentKey = parentKeyOf(resource, attribute);
  return parentKey in target ? target[parentKey] : target[attribute];
}

const INTERPOLATION = /%\(([^)]+)\)s/g;

/**
 * The target keys evaluating check may read, following rule references through resolve
 * (as evaluation does): its result depends on the target only through these keys (their
 * presence and values), so a caller may evaluate it once per distinct combination of them.
 * A dotted key (`network.tenant_id`) also reads its first part.
 */
export function targetKeys(check: Check, resolve: (name: string) => Check | undefined, out = new Set<string>(), seen = new Set<string>()): Set<string> {
  const addInterpolated = (text: string) => {
    for (const [, key] of text.matchAll(INTERPOLATION)) {
      out.add(key);
      if (key.includes('.')) out.add(key.split('.')[0]);
    }
  };
  switch (check.kind) {
    case 'and':
    case 'or':
      for (const c of check.checks) targetKeys(c, resolve, out, seen);
      break;
    case 'not':
      targetKeys(check.check, resolve, out, seen);
      break;
    case 'rule': {
      if (seen.has(check.name)) break;
      seen.add(check.name);
      const rule = resolve(check.name);
      if (rule) targetKeys(rule, resolve, out, seen);
      break;
    }
    case 'role':
      addInterpolated(check.role);
      break;
    case 'field':
      out.add(parentKeyOf(check.resource, check.attribute));
      out.add(check.attribute);
      break;
    case 'generic':
      addInterpolated(check.right);
      break;
  }
  return out;
}

export function evaluate(check: Check, creds: Credentials, target: Target, rules: RuleResolver, depth = 0): boolean {
  switch (check.kind) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'and':
      return check.checks.every((c) => evaluate(c, creds, target, rules, depth));
    case 'or':
      return check.checks.some((c) => evaluate(c, creds, target, rules, depth));
    case 'not':
      return !evaluate(check.check, creds, target, rules, depth);
    case 'rule':
      return rules.evaluateRule(check.name, creds, target, depth + 1);
    case 'role': {
      const role = check.role.includes('%(') ? interpolate(check.role, target)?.toLowerCase() : check.role;
      return role !== undefined && creds.roles.includes(role);
    }
    case 'field': {
      const value = fieldValue(check.resource, check.attribute, target);
      if (value === undefined || value === null) return false;
      if (check.value instanceof RegExp) return typeof value === 'string' && check.value.test(value);
      return typeof check.value === 'boolean' ? value === check.value : text(value) === check.value;
    }
    case 'generic': {
      const expected = check.right.includes('%(') ? interpolate(check.right, target) : pyString(literal(check.right));
      const actual = lookup(creds, check.left);
      // An unknown caller attribute or target key never matches (not even None == None).
      if (expected === undefined || actual === undefined || actual === null) return false;
      return pyString(actual) === expected;
    }
  }
}
