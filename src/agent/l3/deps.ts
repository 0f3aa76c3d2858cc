// What the L3 reconciler and its parts need from the agent that runs them.
import type { Logger } from 'pino';
import type { AgentConfig } from '../config.ts';
import type { AgentClient } from '../client.ts';
import type { Host } from '../host.ts';

type Obj = Record<string, any>;

export interface L3Deps {
  readonly config: AgentConfig;
  readonly host: Host;
  readonly client: AgentClient;
  readonly log: Logger;
  readonly networks: Map<string, Obj>;
  readonly subnets: Map<string, Obj>;
  readonly ports: Map<string, Obj>;
  enqueue(key: string): void;
  requestHeartbeat(): void;
}
