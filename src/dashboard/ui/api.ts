// Talking to Neutrino from the page: the Networking API on this origin (/v2.0/...) and the
// identity service through the dashboard's pass-through (/dashboard/identity/v3/...), always
// with the signed-in user's token. Errors carry the API's own message (NeutronError.message,
// or Keystone's error.message).

export interface Project {
  id: string;
  name: string;
  domain_id?: string;
}

export interface Session {
  token: string;
  expiresAt: string;
  user: { id: string; name: string; domain: string };
  project: Project;
  roles: string[];
  isAdmin: boolean;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type?: string,
  ) {
    super(message);
  }
}

const IDENTITY = '/dashboard/identity/v3';

async function parse(res: Response): Promise<any> {
  const text = await res.text();
  let body: any = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!res.ok) {
    const neutron = body?.NeutronError;
    if (neutron?.message) throw new ApiError(res.status, neutron.message, neutron.type);
    if (body?.error?.message) throw new ApiError(res.status, body.error.message, body.error.title);
    throw new ApiError(res.status, `${res.status} ${res.statusText || 'error'}`);
  }
  return body;
}

/** Keystone's token body to a session. */
function toSession(token: string, body: any): Session {
  const t = body.token;
  const roles: string[] = (t.roles ?? []).map((r: { name: string }) => r.name);
  return {
    token,
    expiresAt: t.expires_at,
    user: { id: t.user.id, name: t.user.name, domain: t.user.domain?.name ?? '' },
    project: t.project ? { id: t.project.id, name: t.project.name, domain_id: t.project.domain?.id } : { id: '', name: '' },
    roles,
    isAdmin: roles.includes('admin'),
  };
}

async function issue(auth: unknown): Promise<Session> {
  const res = await fetch(`${IDENTITY}/auth/tokens?nocatalog`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ auth }),
  });
  const body = await parse(res);
  const token = res.headers.get('x-subject-token');
  if (!token) throw new ApiError(res.status, 'The identity service answered without a token.');
  return toSession(token, body);
}

/** Signs in with a password; a project-scoped token (the user's first project when none is named). */
export async function login(user: string, password: string, project: string, domain: string): Promise<Session> {
  const identity = { methods: ['password'], password: { user: { name: user, domain: { name: domain }, password } } };
  if (project) return issue({ identity, scope: { project: { name: project, domain: { name: domain } } } });
  const first = await issue({ identity });
  if (first.project.id) return first;
  const projects = await myProjects(first);
  if (!projects.length) throw new ApiError(401, `User ${user} has no role on any project.`);
  return rescope(first, projects[0].id);
}

/** A token for another project of the same user (token method). */
export function rescope(session: Session, projectId: string): Promise<Session> {
  return issue({ identity: { methods: ['token'], token: { id: session.token } }, scope: { project: { id: projectId } } });
}

export async function logout(session: Session): Promise<void> {
  await fetch(`${IDENTITY}/auth/tokens`, { method: 'DELETE', headers: { 'x-auth-token': session.token, 'x-subject-token': session.token } }).catch(() => undefined);
}

/** Projects the user has a role on. */
export async function myProjects(session: Session): Promise<Project[]> {
  const res = await fetch(`${IDENTITY}/auth/projects`, { headers: { 'x-auth-token': session.token, accept: 'application/json' } });
  return (await parse(res)).projects;
}

/** Every project (admins). */
export async function allProjects(session: Session): Promise<Project[]> {
  const res = await fetch(`${IDENTITY}/projects`, { headers: { 'x-auth-token': session.token, accept: 'application/json' } });
  return (await parse(res)).projects;
}

/** A Networking API call with the session's token. */
export async function api(session: Session, method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<any> {
  const headers: Record<string, string> = { 'x-auth-token': session.token, accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  return parse(res);
}

const KEY = 'neutrino.dashboard.session';

export function savedSession(): Session | null {
  try {
    const s = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Session | null;
    return s && Date.parse(s.expiresAt) > Date.now() ? s : null;
  } catch {
    return null;
  }
}

export function saveSession(s: Session | null): void {
  if (s) sessionStorage.setItem(KEY, JSON.stringify(s));
  else sessionStorage.removeItem(KEY);
}
