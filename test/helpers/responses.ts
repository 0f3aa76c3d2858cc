// Assertions on API answers shared by the integration tests: the expected status (and the
// body to go on with), or the expected Neutron error (type; its message returned).
import assert from 'node:assert/strict';
import type { ApiResponse } from './server.ts';

/** The body of a response with status (201 by default), failing with the body otherwise. */
export function ok(res: Pick<ApiResponse, 'status' | 'body'>, status = 201): any {
  assert.equal(res.status, status, JSON.stringify(res.body));
  return res.body;
}

/** Asserts a Neutron error of status and type; returns its message. */
export function refused(res: Pick<ApiResponse, 'status' | 'body'>, status: number, type: string): string {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.NeutronError.type, type, JSON.stringify(res.body));
  return res.body.NeutronError.message as string;
}
