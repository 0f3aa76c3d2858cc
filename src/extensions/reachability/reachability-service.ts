// The reachability question as the API takes it: validates the request, checks the policy,
// loads the snapshot with the caller's visibility (loader.ts) and runs the engine (engine.ts).
import type { RequestContext } from '../../foundation/context.ts';
import { badRequest, notAuthorized } from '../../foundation/errors.ts';
import { display } from '../../foundation/validation.ts';
import type { ServiceDeps } from '../../framework/deps.ts';
import type { BackendDriver, PathVerification } from '../../backends/driver.ts';
import { explain, type Explanation } from './engine.ts';
import { SnapshotLoader, type Endpoint } from './loader.ts';
import type { Protocol, TrafficSpec } from './snapshot.ts';
import { portFacts, verifyRequest } from './verify.ts';

declare module '../../framework/lookup.ts' {
  interface ServiceLookup {
    reachability?: ReachabilityService;
  }
}

export interface ReachabilityAnswer extends Explanation {
  source: Endpoint & { ip_address: string };
  destination: Endpoint & { ip_address: string };
  protocol: Protocol;
  port: number | null;
  /** Whether the backend checked the realized dataplane (verify: true). */
  verified: boolean;
  /** The backend's check of the realized dataplane, with verify: true. */
  verification?: PathVerification;
}

/** How long hosts have to answer a verification (their agents long-poll for it). */
const VERIFY_TIMEOUT_MS = 10_000;

/**
 * The configured backend driver. ServiceDeps does not name it (framework/ knows no backend):
 * the App that implements ServiceDeps carries it, as QoS reads it (qos/rule-types.ts).
 */
export function backendOf(deps: ServiceDeps): BackendDriver | undefined {
  return (deps as unknown as { backend?: BackendDriver }).backend;
}

const PROTOCOLS: Protocol[] = ['tcp', 'udp', 'icmp', 'any'];
const REQUEST_KEYS = new Set(['source', 'destination', 'protocol', 'port', 'verify']);

function object(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw badRequest(`Invalid input for ${what}: '${display(value)}' is not a dictionary.`);
  return value as Record<string, unknown>;
}

function endpoint(value: unknown, what: 'source' | 'destination'): Endpoint {
  const o = object(value, what);
  const unknown = Object.keys(o).filter((k) => k !== 'port_id' && k !== 'ip_address');
  if (unknown.length) throw badRequest(`Unrecognized attribute(s) '${unknown.join(', ')}' in ${what}`);
  const out: Endpoint = {};
  for (const key of ['port_id', 'ip_address'] as const) {
    const v = o[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'string' || v === '') throw badRequest(`Invalid input for ${what} ${key}: '${display(v)}' is not a string.`);
    out[key] = v;
  }
  if (!out.port_id && !out.ip_address) throw badRequest(`${what} needs a port_id or an ip_address`);
  return out;
}

function traffic(body: Record<string, unknown>): TrafficSpec {
  const protocol = body.protocol ?? 'any';
  if (typeof protocol !== 'string' || !PROTOCOLS.includes(protocol.toLowerCase() as Protocol)) {
    throw badRequest(`Invalid input for protocol: '${display(protocol)}' is not one of ${PROTOCOLS.join(', ')}.`);
  }
  const p = protocol.toLowerCase() as Protocol;
  const port = body.port;
  if (port === undefined || port === null) {
    if (p === 'tcp' || p === 'udp') throw badRequest(`A port is required for protocol ${p}`);
    return { protocol: p };
  }
  if (p === 'any') throw badRequest('A port cannot be given with protocol any');
  const max = p === 'icmp' ? 255 : 65535;
  const min = p === 'icmp' ? 0 : 1;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < min || port > max) {
    throw badRequest(`Invalid input for port: '${display(port)}' is not ${p === 'icmp' ? 'an ICMP type (0-255)' : 'a port number (1-65535)'}.`);
  }
  return { protocol: p, port };
}

export class ReachabilityService {
  constructor(private readonly deps: ServiceDeps) {}

  async explain(ctx: RequestContext, rawBody: unknown): Promise<ReachabilityAnswer> {
    const body = object(object(rawBody, 'body').reachability, 'reachability');
    const unknown = Object.keys(body).filter((k) => !REQUEST_KEYS.has(k));
    if (unknown.length) throw badRequest(`Unrecognized attribute(s) '${unknown.join(', ')}'`);
    const source = endpoint(body.source, 'source');
    const destination = endpoint(body.destination, 'destination');
    const spec = traffic(body);
    if (body.verify !== undefined && typeof body.verify !== 'boolean') throw badRequest(`Invalid input for verify: '${display(body.verify)}' is not a boolean.`);
    const target = { project_id: ctx.projectId ?? '', tenant_id: ctx.projectId ?? '' };
    if (!this.deps.policy.enforce(ctx, 'explain_reachability', target)) throw notAuthorized('explain_reachability');
    const backend = backendOf(this.deps);
    if (body.verify === true) {
      if (!backend?.verify) {
        throw badRequest(`verify is not supported by backend ${this.deps.config.backend.driver}: it cannot check the realized dataplane of a path`, 'ReachabilityVerifyNotSupported');
      }
      // The dataplane's hosts, devices and chains are the operator's business (binding:host_id is admin-only too).
      if (!this.deps.policy.enforce(ctx, 'verify_reachability', target)) throw notAuthorized('verify_reachability');
    }

    const snapshot = await new SnapshotLoader(this.deps, ctx).load(source, destination);
    // ICMP without a type asks about an echo request.
    if (spec.protocol === 'icmp' && spec.port === undefined) spec.port = snapshot.destination.ip_address.includes(':') ? 128 : 8;
    const answer = explain(snapshot, spec);
    let verification: PathVerification | undefined;
    if (body.verify === true && backend?.verify) {
      const facts = await portFacts(this.deps, this.deps.database.db, snapshot);
      verification = await backend.verify(verifyRequest(snapshot, spec, answer, facts, VERIFY_TIMEOUT_MS));
    }
    return {
      source: { ...source, ip_address: snapshot.source.ip_address },
      destination: { ...destination, ip_address: snapshot.destination.ip_address },
      protocol: spec.protocol,
      port: spec.port ?? null,
      ...answer,
      verified: verification !== undefined,
      ...(verification ? { verification } : {}),
    };
  }
}
