// Neutron's DNS domain check (neutron-lib validators/dns.py, validate_dns_domain): a FQDN
// (trailing dot) of labels of 1–63 letters, digits and hyphens (not at either end) or one
// of the keywords <project_id>, <project_name>, <user_id>, <user_name>; no all-numeric TLD;
// short enough to take a sub-domain.
const FQDN_MAX = 255;
const LABEL = /^([a-z0-9-]{1,63}|<project_id>|<project_name>|<user_id>|<user_name>)$/;

/** Why value is not a valid dns_domain, or undefined ('' is valid: no domain). */
export function dnsDomainProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (!value.endsWith('.')) return `'${value}' is not a FQDN`;
  const trimmed = value.slice(0, -1);
  const invalid = (reason: string) => `'${value}' not a valid PQDN or FQDN. Reason: ${reason}`;
  if (trimmed.length > FQDN_MAX) return invalid(`'${trimmed}' exceeds the ${FQDN_MAX} character FQDN limit`);
  const labels = trimmed.split('.');
  for (const label of labels) {
    if (!label) return invalid('Encountered an empty component');
    if (label.startsWith('-') || label.endsWith('-')) return invalid(`Name '${label}' must not start or end with a hyphen`);
    if (!LABEL.test(label)) return invalid(`Name '${label}' must be 1-63 characters long, each of which can only be alphanumeric or a hyphen`);
  }
  if (labels.length > 1 && /^[0-9]+$/.test(labels[labels.length - 1])) return invalid(`TLD '${labels[labels.length - 1]}' must not be all numeric`);
  if (value.length > FQDN_MAX - 2) {
    return `'${value}' contains ${value.length} characters. Adding a sub-domain will cause it to exceed the maximum length of a FQDN of '${FQDN_MAX}'`;
  }
  return undefined;
}
