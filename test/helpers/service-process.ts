// A real `neutrino serve` process for operability tests: its stdout (the JSON log) and
// stderr are collected, and it can be stopped with a signal.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitUp } from './process.ts';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface ServiceProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** stdout's lines, each parsed as JSON (throws on a line that is not JSON). */
  logLines(): Record<string, any>[];
  /** Resolves with the exit code (or signal name) once the process has exited. */
  exited: Promise<number | string>;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<number | string>;
}

/** Spawns `command` (default: the CLI through tsx) with `args` in the repository root. */
export function spawnService(env: Record<string, string>, options: { command?: string[]; args?: string[] } = {}): ServiceProcess {
  const command = options.command ?? [process.execPath, '--import', 'tsx', path.join(root, 'src/cli/main.ts')];
  const args = options.args ?? ['serve'];
  const child = spawn(command[0], [...command.slice(1), ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    logLines: () =>
      out
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => {
          try {
            return JSON.parse(l);
          } catch {
            throw new Error(`stdout line is not JSON: ${l}`);
          }
        }),
    exited,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Starts a service process and waits until url answers. */
export async function startService(env: Record<string, string>, upUrl: string, options: { command?: string[]; args?: string[] } = {}): Promise<ServiceProcess> {
  const p = spawnService(env, options);
  try {
    await waitUp(upUrl, p.child);
  } catch (err) {
    await p.stop();
    throw new Error(`${(err as Error).message}\nstderr: ${p.stderr()}`);
  }
  return p;
}
