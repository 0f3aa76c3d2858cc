// Neutron-style errors: every failure a client sees is a NeutronError with a type
// (the exception name Neutron uses), a message and an HTTP status. The API layer renders
// them as {"NeutronError": {"type", "message", "detail"}}.

export class NeutronError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly detail = '',
  ) {
    super(message);
  }

  toJSON() {
    return { NeutronError: { type: this.type, message: this.message, detail: this.detail } };
  }
}

export const badRequest = (message: string, type = 'HTTPBadRequest') => new NeutronError(400, type, message);
export const invalidInput = (message: string) => new NeutronError(400, 'InvalidInput', `Invalid input for operation: ${message}`);
export const conflict = (type: string, message: string) => new NeutronError(409, type, message);
export const notAuthorized = (action: string) =>
  new NeutronError(403, 'PolicyNotAuthorized', `(rule:${action}) is disallowed by policy`);
export const overQuota = (resources: string) =>
  new NeutronError(409, 'OverQuota', `Quota exceeded for resources: ['${resources}'].`);
export const revisionMismatch = (expected: number, current: number) =>
  new NeutronError(412, 'RevisionNumberConstraintFailed', `Constrained to ${expected}, but current revision is ${current}`);

/** Turns "security_group" into "SecurityGroup" for <Member>NotFound types. */
function camel(member: string): string {
  return member
    .split(/[_-]/)
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** Neutron's NotFound: `NetworkNotFound`, `PortNotFound`, ... with its message form. */
export function notFound(member: string, id: string): NeutronError {
  const words = member.replace(/_/g, ' ');
  return new NeutronError(404, `${camel(member)}NotFound`, `${words.charAt(0).toUpperCase()}${words.slice(1)} ${id} could not be found.`);
}
