// HTTP conventions shared by the Networking API and the embedded identity service.
import type { FastifyInstance } from 'fastify';

/**
 * OpenStack services accept JSON with or without a content type, and empty bodies (DELETE):
 * every body is parsed as JSON; malformed ones fail with the service's own error.
 */
export function acceptJsonBodies(server: FastifyInstance, malformed: () => Error): void {
  server.removeAllContentTypeParsers();
  server.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = (body as string).trim();
    if (!text) return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(malformed(), undefined);
    }
  });
}

