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
  /**
   * Routers and floating IPs are realized by agents that report their status (the linux
   * backend's L3 agents, as Neutron's): a new router is `BUILD` and a floating IP `DOWN`
   * until an agent reports what it realized (no L3 agent: they stay so). Otherwise the API
   * writes them: routers `ACTIVE`, floating IPs `ACTIVE` while associated.
   */
  reportsL3Status?: boolean;
}

/** An agent's heartbeat as a backend reports it (the fields of POST /v2.0/agent-reports). */
export interface AgentHeartbeat {
  agent_type: string;
  binary: string;
  topic: string;
  host: string;
  configurations: Record<string, unknown>;
}

/** What a running driver receives. */
export interface BackendContext {
  feed: ChangeFeed;
  /** Applies status reports as the HTTP API does (same staleness rules, no revision bump). */
  reportStatus(reports: StatusReport[]): Promise<StatusResult[]>;
  /** Reads resources in API form, unscoped (as admin): all of a collection, or those matching filters (`{ id: [...] }`); [] for a collection not served. */
  list(collection: string, filters?: Record<string, unknown[]>): Promise<Record<string, any>[]>;
  log: Logger;
  /** Registers or refreshes agents as their own reports would (e.g. OVN chassis); absent: the backend shows none. */
  heartbeatAgents?(agents: AgentHeartbeat[]): Promise<void>;
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
  /** Checks a path's elements in the realized dataplane (absent: the backend cannot; explain's verify answers 400). */
  verify?(request: VerifyRequest): Promise<PathVerification>;
  /** Where agents fetch and answer verification requests (drivers whose dataplane is on hosts). */
  readonly verifyChannel?: AgentVerifyChannel;
}

// ---- verify: checking a path's realized dataplane -------------------------------------------
// The reachability analysis (src/extensions/reachability/) says from intent which elements
// carry a path (a security group rule, a router's route, a NAT rule...). A driver that can
// read its dataplane checks each of them and says whether the dataplane agrees.

export type { PathCheck, SecurityGroupRuleMatch } from './path-checks.ts';
import type { PathCheck } from './path-checks.ts';

export type CheckStatus = 'agrees' | 'drift' | 'not_answered' | 'not_checked';

export interface CheckResult {
  id: string;
  kind: PathCheck['kind'];
  host?: string;
  status: CheckStatus;
  intent: string;
  /** What the dataplane has (drift), or why it could not be checked. */
  dataplane: string;
}

/** What a host's agent answers for one check. */
export type HostAnswer = Pick<CheckResult, 'id' | 'status' | 'dataplane'>;

export interface HostVerification {
  host: string;
  /** answered, or timeout (the host's agent did not answer in time), or unknown (no agent). */
  state: 'answered' | 'timeout' | 'no_agent';
  checks: CheckResult[];
}

export interface PathVerification {
  backend: string;
  /** true: every check agrees; false: some drift; null: no drift found, but some checks were not answered. */
  agreement: boolean | null;
  hosts: HostVerification[];
  /** The checks that found drift. */
  drift: CheckResult[];
  /** A backend's own trace (ovn-trace's verdict), when it has one. */
  trace?: { verdict: 'delivered' | 'dropped' | 'unknown'; detail: string };
}

export interface VerifyRequest {
  checks: PathCheck[];
  /** The packet, for backends that trace one (ovn-trace). */
  packet: {
    source_port_id?: string;
    source_network_id?: string;
    source_mac?: string;
    /** The MAC the packet is sent to: the destination port's on one network, else the router interface's. */
    first_hop_mac?: string;
    source_ip: string;
    destination_ip: string;
    protocol: string;
    port?: number;
    /** Where intent delivers it: a port, or out of the cloud through an external network. */
    destination_port_id?: string;
    exit_network_id?: string;
  };
  /** What intent concluded (reachable / not_reachable / unknown). */
  verdict: string;
  /** How long to wait for hosts. */
  timeoutMs: number;
}

/**
 * How agents on hosts receive verification requests and answer them (drivers whose
 * dataplane lives on hosts: linux). The API routes (reachability feature) expose it.
 */
export interface AgentVerifyChannel {
  /** The checks pending for host, waiting up to waitMs for some to arrive. */
  next(host: string, waitMs: number, signal?: AbortSignal): Promise<{ id: string; checks: PathCheck[] }[]>;
  /** A host's answer; false when the request is unknown or already expired. */
  answer(id: string, host: string, results: HostAnswer[]): boolean;
}
