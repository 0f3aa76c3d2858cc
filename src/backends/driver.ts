// The seam where a dataplane plugs in. A backend driver decides port bindings inside the
// port's transaction (as ML2's bind_port does) and, optionally, runs for the life of the
// server with the change feed and the status writer (an OVN northbound translator would
// follow the feed and write OVN_Northbound; a host-agent driver needs no process at all:
// its agents watch over HTTP, GET /v2.0/watch, and report via POST /v2.0/status-reports).
import type { Logger } from 'pino';
import type { Tx } from '../db/index.ts';
import type { ChangeFeed } from '../feed/feed.ts';
import type { StatusReport, StatusResult } from './status.ts';

/** What a driver is asked to bind: the port as it will be stored, on this host. */
export interface PortBindingRequest {
  /** The transaction the port is being written in (drivers may read segments etc. with it). */
  trx: Tx;
  /** The port in API form, with the changes of this request applied (id unset on create). */
  port: Record<string, any>;
  /** binding:host_id; '' means unbind. */
  host: string;
  vnicType: string;
  profile: Record<string, unknown>;
  /** The port's binding before this request (update), for drivers that keep a binding stable. */
  previous?: { host: string; vifType: string; vifDetails: Record<string, unknown> };
}

/** A driver's decision, stored in the port's row in the same transaction. */
export interface PortBinding {
  /** binding:vif_type: `unbound`, `binding_failed`, `ovs`, `tap`, `vhostuser`, ... */
  vifType: string;
  vifDetails: Record<string, unknown>;
  /** Port status to set now (e.g. BUILD until the backend reports ACTIVE); unchanged when absent. */
  status?: 'DOWN' | 'BUILD' | 'ACTIVE' | 'ERROR';
}

/** What a driver may offer; the API will consult it as features need (QoS rule types...). */
export interface BackendCapabilities {
  /**
   * QoS rule types the dataplane enforces (`bandwidth_limit`, `dscp_marking`,
   * `minimum_bandwidth`, `packet_rate_limit`, `minimum_packet_rate`). They are what
   * GET /v2.0/qos/rule-types lists; attaching a policy with another type to a network or
   * port (or adding one to a policy in use) answers 409 QosRuleNotSupported, as Neutron
   * does for its QoS drivers. Absent or empty: no QoS rule is accepted on a used policy.
   */
  qosRuleTypes?: string[];
  /** VIF types bindPort may answer. */
  vifTypes?: string[];
}

/** What a running driver receives. */
export interface BackendContext {
  feed: ChangeFeed;
  /** Applies status reports as the HTTP API does (same staleness rules, no revision bump). */
  reportStatus(reports: StatusReport[]): Promise<StatusResult[]>;
  /** Reads resources in API form, unscoped (as admin): all of a collection, or those matching filters (`{ id: [...] }`); [] for a collection not served. */
  list(collection: string, filters?: Record<string, unknown[]>): Promise<Record<string, any>[]>;
  log: Logger;
}

export interface BackendDriver {
  readonly name: string;
  /**
   * Decides a port's binding when it is created or its binding:host_id, vnic_type or
   * profile changes. Runs inside the port's transaction: keep it quick, and throw a
   * NeutronError to refuse the request; answer vifType `binding_failed` to accept it unbound.
   */
  bindPort(request: PortBindingRequest): PortBinding | Promise<PortBinding>;
  readonly capabilities?: BackendCapabilities;
  /** Called once the API listens (follow the feed from here). */
  start?(context: BackendContext): Promise<void>;
  stop?(): Promise<void>;
}
