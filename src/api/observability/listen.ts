// Listening with errors that name their cause: a port in use (or not permitted) says which
// listener it is and which setting and environment variable move it.
import type { FastifyInstance } from 'fastify';

export interface ListenerInfo {
  /** Human name of the listener: `Networking API`, `identity`, `metrics`. */
  listener: string;
  host: string;
  port: number;
  /** The configuration key of the port, e.g. `auth.identity_port`. */
  setting: string;
}

export class ListenError extends Error {}

const envOf = (setting: string) => `NEUTRINO_${setting.replace('.', '_').toUpperCase()}`;

/** Starts `target` (a Fastify instance, or a function that listens) and explains a failure to bind. */
export async function listenOrExplain<T>(target: FastifyInstance | (() => Promise<T>), info: ListenerInfo): Promise<T> {
  try {
    if (typeof target === 'function') return await target();
    await target.listen({ host: info.host, port: info.port });
    return undefined as T;
  } catch (err) {
    const code = (err as { code?: string }).code;
    const where = `${info.host}:${info.port}`;
    const move = `set ${info.setting} (${envOf(info.setting)}) to another port`;
    if (code === 'EADDRINUSE') throw new ListenError(`cannot start the ${info.listener} listener: ${where} is already in use; stop the other process or ${move}`, { cause: err });
    if (code === 'EACCES') throw new ListenError(`cannot start the ${info.listener} listener: no permission to listen on ${where}; ${move} (ports below 1024 need privileges)`, { cause: err });
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') throw new ListenError(`cannot start the ${info.listener} listener: ${info.host} is not an address of this machine; check the host setting of ${info.setting.split('.')[0]}`, { cause: err });
    throw err;
  }
}
