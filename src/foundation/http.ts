// HTTP conventions shared by the Networking API and the embedded identity service: JSON
// bodies (NUL characters refused), and a time limit on receiving a body.
import type { FastifyInstance } from 'fastify';

/** True when a string or key anywhere in a parsed JSON value holds a NUL character. */
function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(holdsNul);
  if (value && typeof value === 'object') return Object.entries(value).some(([k, v]) => k.includes('\u0000') || holdsNul(v));
  return false;
}

/**
 * OpenStack services accept JSON with or without a content type, and empty bodies (DELETE):
 * every body is parsed as JSON; malformed ones fail with the service's own error, and so do
 * NUL characters (PostgreSQL cannot store them in text; no attribute takes them).
 */
export function acceptJsonBodies(server: FastifyInstance, malformed: () => Error, nul: () => Error = malformed): void {
  server.removeAllContentTypeParsers();
  server.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = (body as string).trim();
    if (!text) return done(null, undefined);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return done(malformed(), undefined);
    }
    // A NUL can only arrive escaped (JSON forbids raw control characters in strings).
    if (text.includes('\\u0000') && holdsNul(parsed)) return done(nul(), undefined);
    done(null, parsed);
  });
}

/**
 * Fails a body being read with err (the body parser answers it), once; a stream nobody
 * reads any more is just destroyed (an 'error' without listeners would crash the process).
 */
export function failBody(payload: NodeJS.ReadableStream & { destroy?: () => void }, err: Error): void {
  if (payload.listenerCount('error') > 1) payload.emit('error', err);
  else payload.destroy?.();
}

/** The request's raw URL holds an encoded NUL (`%00`). */
export const urlHoldsNul = (url: string) => /%00/.test(url);

/**
 * Cuts off a client that takes more than `seconds` to send its body (a trickling upload
 * would otherwise hold a connection and a parser for as long as it likes): the request
 * fails with `error()` (a 408) and the connection is closed after the answer.
 */
export function limitBodyTime(server: FastifyInstance, seconds: number, error: () => Error & { statusCode?: number }): void {
  if (!(seconds > 0)) return;
  server.addHook('preParsing', (req, reply, payload, done) => {
    // Most bodies arrive with their headers: one already received in full cannot trickle,
    // so it needs no timer (a timer and three listeners per request are measurable).
    if (req.raw.complete) return done(null, payload);
    const timer = setTimeout(() => {
      reply.header('connection', 'close');
      const err = error();
      err.statusCode = 408;
      failBody(payload, err);
    }, seconds * 1000);
    const clear = () => clearTimeout(timer);
    payload.once('end', clear);
    payload.once('close', clear);
    payload.on('error', clear);
    done(null, payload);
  });
}

/**
 * JSON text of value with bigints written as exact integers (JSON.stringify refuses them and
 * a Number would round beyond 2^53: an IPv6 subnet's 18446744073709551614 addresses).
 */
export function stringifyExact(value: unknown): string {
  const marks: string[] = [];
  const text = JSON.stringify(value, (_key, v) => {
    if (typeof v !== 'bigint') return v;
    marks.push(v.toString());
    return `\u0000bigint:${marks.length - 1}\u0000`;
  });
  if (!marks.length) return text;
  // A NUL never comes from stored data (refused on input), so the marks are unambiguous.
  return text.replace(/"\\u0000bigint:(\d+)\\u0000"/g, (_m, i: string) => marks[Number(i)]);
}
