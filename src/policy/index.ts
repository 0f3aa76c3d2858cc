// Authorization. Services ask `policy.enforce(ctx, action, target)` with Neutron's action
// names (`create_network`, `get_port`, `update_subnet:gateway_ip`, ...); the answer comes
// from oslo.policy-style rules: Neutron's defaults (defaults.ts and each feature's policy.ts) overlaid by the operator's
// policy file (config auth.policy_file, YAML or JSON: rule name → check string).
import fs from 'node:fs';
import YAML from 'yaml';
import type { RequestContext } from '../foundation/context.ts';
import { evaluate, parseCheck, targetKeys, CheckSyntaxError, type Check, type Credentials, type RuleResolver, type Target } from './check.ts';
import { BASE_RULES, IMPLIED_ROLES } from './defaults.ts';

export type { Target };

export interface PolicyEngine {
  /** True when ctx may perform action on target. A missing rule falls back to `default`. */
  enforce(ctx: RequestContext, action: string, target: Target): boolean;
  /** Whether a rule of that name is defined (attribute rules apply only where one is). */
  hasRule(action: string): boolean;
  /**
   * The target keys enforce(ctx, action, target) may read: for one caller, targets that
   * agree on these keys get the same answer (lists evaluate once per distinct combination).
   */
  keysRead(action: string): readonly string[];
}

/** Rule chains deeper than this are a cycle in the policy (rule:a → rule:b → rule:a). */
const MAX_DEPTH = 50;

export class RulePolicy implements PolicyEngine, RuleResolver {
  private readonly rules = new Map<string, Check>();
  private readonly credentials = new WeakMap<RequestContext, Credentials>();
  private readonly keys = new Map<string, readonly string[]>();

  /** rules: name → check string; later sources override earlier ones. */
  constructor(...sources: Record<string, string>[]) {
    for (const source of sources) {
      for (const [name, text] of Object.entries(source)) {
        try {
          this.rules.set(name, parseCheck(text));
        } catch (err) {
          if (err instanceof CheckSyntaxError) throw new Error(`policy rule ${name}: ${err.message}`);
          throw err;
        }
      }
    }
  }

  hasRule(action: string): boolean {
    return this.rules.has(action);
  }

  keysRead(action: string): readonly string[] {
    let keys = this.keys.get(action);
    if (!keys) {
      const resolve = (name: string) => this.rules.get(name) ?? this.rules.get('default');
      keys = [...targetKeys({ kind: 'rule', name: action }, resolve)];
      this.keys.set(action, keys);
    }
    return keys;
  }

  enforce(ctx: RequestContext, action: string, target: Target): boolean {
    return this.evaluateRule(action, this.credentialsOf(ctx), target, 0);
  }

  evaluateRule(name: string, creds: Credentials, target: Target, depth: number): boolean {
    if (depth > MAX_DEPTH) return false;
    const check = this.rules.get(name) ?? this.rules.get('default');
    return check ? evaluate(check, creds, target, this, depth) : false;
  }

  /** What checks compare against: the context's identity, roles with the implied ones. */
  private credentialsOf(ctx: RequestContext): Credentials {
    let creds = this.credentials.get(ctx);
    if (!creds) {
      const roles = new Set(ctx.roles);
      for (const role of ctx.roles) for (const implied of IMPLIED_ROLES[role] ?? []) roles.add(implied);
      creds = { project_id: ctx.projectId, tenant_id: ctx.projectId, user_id: ctx.userId, roles: [...roles], is_admin: ctx.isAdmin };
      this.credentials.set(ctx, creds);
    }
    return creds;
  }
}

/** Rules from an oslo.policy file (YAML or JSON): a mapping of rule name → check string. */
function readPolicyFile(file: string): Record<string, string> {
  const parsed: unknown = YAML.parse(fs.readFileSync(file, 'utf8')) ?? {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error(`policy file ${file}: expected a mapping of rule names to check strings`);
  const rules: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof value !== 'string') throw new Error(`policy file ${file}: rule ${name} is not a check string`);
    rules[name] = value;
  }
  return rules;
}

/**
 * Neutron's default rules (the generic ones here and featureRules, each feature's own),
 * overridden by the policy file when one is configured.
 */
export function createPolicy(policyFile = '', featureRules: Record<string, string> = {}): RulePolicy {
  return policyFile ? new RulePolicy(BASE_RULES, featureRules, readPolicyFile(policyFile)) : new RulePolicy(BASE_RULES, featureRules);
}
