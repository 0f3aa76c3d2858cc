// Neutron's default policy, as check strings by rule name: the secure-RBAC personas
// (admin, project member, project reader) with the owner rules older policy files refer to
// (admin_or_owner, admin_or_network_owner, network_owner, shared, external, ...), so an
// operator's policy file written for either generation of Neutron's rules still works.
// Rule names follow neutron/conf/policies/*.py. Attribute rules are `<action>:<attribute>`
// (and `<action>:<attribute>:<key>` for keys inside list/dict attributes).
//
// This file holds the generic rules and the vocabulary (personas, crud(), attributeRules());
// each feature declares the rules of its own actions in src/extensions/<feature>/policy.ts.

export const ADMIN = 'rule:admin_only';
export const PROJECT_MEMBER = 'role:member and project_id:%(project_id)s';
export const PROJECT_READER = 'role:reader and project_id:%(project_id)s';
export const NET_OWNER_MEMBER = 'role:member and rule:network_owner';
export const NET_OWNER_READER = 'role:reader and rule:network_owner';
export const PARENT_OWNER_MEMBER = 'role:member and rule:ext_parent_owner';
export const PARENT_OWNER_READER = 'role:reader and rule:ext_parent_owner';
export const SG_OWNER_MEMBER = 'role:member and rule:sg_owner';
export const SG_OWNER_READER = 'role:reader and rule:sg_owner';
export const ADVSVC = 'rule:context_is_advsvc';
/** Services acting for the cloud (Neutron's `service` role: Nova, and here the host agents): see every project's resources, bind ports. */
export const SERVICE = 'rule:service_api';

/** `(a) or (b) or ...` */
export const anyOf = (...checks: string[]) => checks.map((c) => `(${c})`).join(' or ');

export const ADMIN_OR_MEMBER = anyOf(ADMIN, PROJECT_MEMBER);
export const ADMIN_OR_READER = anyOf(ADMIN, PROJECT_READER);

/** create/get/update/delete rules of a project-owned resource; get also passes for `readableIf`. */
export function crud(member: string, readableIf: string[] = []): Record<string, string> {
  return {
    [`create_${member}`]: ADMIN_OR_MEMBER,
    [`get_${member}`]: anyOf(ADMIN, PROJECT_READER, ...readableIf),
    [`update_${member}`]: ADMIN_OR_MEMBER,
    [`delete_${member}`]: ADMIN_OR_MEMBER,
  };
}

/** The same check for `<verb>_<member>:<attribute>` for each verb and attribute. */
export function attributeRules(member: string, verbs: string[], attributes: string[], check: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const verb of verbs) for (const attribute of attributes) out[`${verb}_${member}:${attribute}`] = check;
  return out;
}

export const BASE_RULES: Readonly<Record<string, string>> = {
  context_is_admin: 'role:admin',
  service_api: 'role:service',
  owner: 'tenant_id:%(tenant_id)s',
  admin_or_owner: 'rule:context_is_admin or rule:owner',
  context_is_advsvc: 'role:advsvc',
  admin_only: 'rule:context_is_admin',
  regular_user: '',
  default: 'rule:admin_or_owner',
  admin_or_ext_parent_owner: 'rule:context_is_admin or tenant_id:%(ext_parent:tenant_id)s',
  ext_parent_owner: 'tenant_id:%(ext_parent:tenant_id)s',
};

/**
 * Roles that imply others, as Keystone's bootstrap defines them (admin ⇒ member ⇒
 * reader): a token carries the implied roles, so a noauth or external caller listing only
 * `admin` is treated the same way.
 */
export const IMPLIED_ROLES: Readonly<Record<string, string[]>> = {
  admin: ['member', 'reader'],
  member: ['reader'],
};
