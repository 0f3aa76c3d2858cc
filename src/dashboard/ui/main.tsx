// The dashboard's shell: sign-in, the project switcher, navigation (#/topology, #/networks, …)
// and the live store every view reads.
import { render } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { allProjects, login, logout, myProjects, rescope, savedSession, saveSession, type Project, type Session } from './api.ts';
import { LiveStore, type Kind, type Snapshot } from './live.ts';
import { viewOf } from './model.ts';
import { Topology } from './topology.tsx';
import { ExplainPanel, type PathMark } from './explain.tsx';
import { CreateFloatingIp, CreateNetwork, CreateRouter, CreateSubnet, Details, ErrorBox, ListView, TABLES, type Ctx, type TableKind } from './views.tsx';
import './style.css';

const TABS: Array<[string, string]> = [['topology', 'Topology'], ...(Object.keys(TABLES) as TableKind[]).map((k): [string, string] => [k, TABLES[k].title])];

function Login({ onSession }: { onSession: (s: Session) => void }) {
  const [form, setForm] = useState({ user: 'admin', password: '', project: '', domain: 'Default' });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = (k: keyof typeof form) => (e: Event) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value });
  return (
    <main class="login">
      <form
        data-testid="login"
        onSubmit={async (e) => {
          e.preventDefault();
          setBusy(true);
          setError(null);
          try {
            onSession(await login(form.user, form.password, form.project.trim(), form.domain.trim() || 'Default'));
          } catch (err) {
            setError((err as Error).message);
          } finally {
            setBusy(false);
          }
        }}
      >
        <h1>Neutrino</h1>
        <label>
          <span>User</span>
          <input name="user" autocomplete="username" value={form.user} onInput={set('user')} />
        </label>
        <label>
          <span>Password</span>
          <input name="password" type="password" autocomplete="current-password" value={form.password} onInput={set('password')} />
        </label>
        <label>
          <span>Project (empty: your first)</span>
          <input name="project" value={form.project} onInput={set('project')} />
        </label>
        <label>
          <span>Domain</span>
          <input name="domain" value={form.domain} onInput={set('domain')} />
        </label>
        <button class="primary" type="submit" disabled={busy}>
          Sign in
        </button>
        <ErrorBox error={error} />
      </form>
    </main>
  );
}

function useHash(): [string, string | null, string | null] {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const on = () => setHash(location.hash);
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  const [tab, kind, id] = hash.replace(/^#\/?/, '').split('/');
  return [TABS.some(([t]) => t === tab) ? tab : 'topology', kind || null, id || null];
}

function Dashboard({ session, onSession }: { session: Session; onSession: (s: Session | null) => void }) {
  const [snapshot, setSnapshot] = useState<Snapshot | null>(null);
  const [projects, setProjects] = useState<Project[]>([]);
  // Admins look at any project through their own token (lists filtered by project, `null` = all);
  // other users switch projects by getting a token for the other project.
  const [project, setProject] = useState<string | null>(session.isAdmin ? session.project.id : null);
  const [switchError, setSwitchError] = useState<string | null>(null);
  const [tab, selKind, selId] = useHash();
  // The path the Explain panel last answered, highlighted on the topology.
  const [path, setPath] = useState<PathMark | null>(null);

  const store = useMemo(() => new LiveStore(session, () => onSession(null)), [session]);
  useEffect(() => {
    const off = store.subscribe(setSnapshot);
    store.start();
    return () => {
      off();
      store.stop();
    };
  }, [store]);
  // The project list is read at sign-in and again whenever the switcher is opened.
  const loadProjects = () => (session.isAdmin ? allProjects(session) : myProjects(session)).then(setProjects, (err) => setSwitchError((err as Error).message));
  useEffect(() => void loadProjects(), [session]);

  if (!snapshot) return null;
  const view = viewOf(snapshot, project);
  const select = (kind: string, id: string | null) => {
    const t = kind in TABLES ? kind : tab;
    location.hash = id ? `#/${tab === 'topology' ? 'topology' : t}/${kind}/${id}` : `#/${tab}`;
  };
  const ctx: Ctx = { session, view, errors: snapshot.errors, project: session.isAdmin ? project : session.project.id, select, refresh: (...k: Kind[]) => store.refresh(...k) };
  const switchTo = async (value: string) => {
    setSwitchError(null);
    if (session.isAdmin) return setProject(value === '*' ? null : value);
    try {
      onSession(await rescope(session, value));
    } catch (err) {
      setSwitchError((err as Error).message);
    }
  };

  return (
    <div class="shell">
      <header>
        <h1>Neutrino</h1>
        <label class="project">
          <span>Project</span>
          <select data-testid="project" onFocus={() => void loadProjects()} value={session.isAdmin ? (project ?? '*') : session.project.id} onChange={(e) => void switchTo((e.target as HTMLSelectElement).value)}>
            {session.isAdmin ? <option value="*">All projects</option> : null}
            {(projects.some((p) => p.id === session.project.id) ? projects : [session.project, ...projects]).map((p) => (
              <option value={p.id}>{p.name}</option>
            ))}
          </select>
        </label>
        <ErrorBox error={switchError} />
        <span class={`mode mode-${snapshot.mode}`} data-testid="mode" title={snapshot.mode === 'watch' ? 'Live through the watch API' : 'Refreshed every second'}>
          {snapshot.mode === 'watch' ? 'live' : snapshot.mode}
        </span>
        <span class="user">
          {session.user.name}
          {session.isAdmin ? ' (admin)' : ''}
        </span>
        <button
          onClick={() => {
            void logout(session);
            onSession(null);
          }}
        >
          Sign out
        </button>
      </header>
      <nav>
        {TABS.map(([t, label]) => (
          <a href={`#/${t}`} class={t === tab ? 'active' : ''} data-testid={`tab-${t}`}>
            {label}
          </a>
        ))}
      </nav>
      <div class="content">
        <main>
          {snapshot.mode === 'connecting' ? (
            <p class="empty" data-testid="loading">
              Loading…
            </p>
          ) : tab === 'topology' ? (
            <section class="topology-view">
              <ExplainPanel ctx={ctx} onPath={setPath} />
              <Topology view={view} onSelect={(k, id) => select(k, id)} path={path} />
            </section>
          ) : (
            <ListView ctx={ctx} kind={tab as TableKind}>
              {tab === 'networks' ? <CreateNetwork ctx={ctx} /> : null}
              {tab === 'subnets' ? <CreateSubnet ctx={ctx} /> : null}
              {tab === 'routers' ? <CreateRouter ctx={ctx} /> : null}
              {tab === 'floatingips' ? <CreateFloatingIp ctx={ctx} /> : null}
            </ListView>
          )}
        </main>
        {selKind && selId ? <Details ctx={ctx} kind={selKind as Kind} id={selId} /> : null}
      </div>
    </div>
  );
}

function App() {
  const [session, setSession] = useState<Session | null>(savedSession);
  const onSession = (s: Session | null) => {
    saveSession(s);
    setSession(s);
  };
  return session ? <Dashboard key={session.token} session={session} onSession={onSession} /> : <Login onSession={onSession} />;
}

render(<App />, document.getElementById('app')!);
