// Agents (the per-host processes that realize networks, DHCP and routers). Agents register
// themselves by reporting their state; the API lists, updates and deletes them.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const agentExtension: ExtensionDef = {
  alias: 'agent',
  name: 'agent',
  description: 'The agent management extension.',
  updated: '2013-02-03T10:00:00-00:00',
  resources: [
    {
      collection: 'agents',
      member: 'agent',
      table: 'agents',
      // Agents have their own timestamps (created_at, started_at, heartbeat_timestamp) and no owner.
      standard: { name: false, description: false, tags: false, timestamps: false, revision: false, project: false },
      operations: ['update', 'delete'],
      attributes: {
        agent_type: { type: 'string' },
        binary: { type: 'string' },
        topic: { type: 'string' },
        host: { type: 'string' },
        admin_state_up: { type: 'boolean', allowPut: true },
        created_at: { type: 'string', filter: false },
        started_at: { type: 'string', filter: false },
        heartbeat_timestamp: { type: 'string', filter: false },
        alive: { type: 'boolean', storage: 'computed' },
        configurations: { type: 'dict' },
        description: { type: 'string', allowPut: true, nullable: true, maxLength: 255 },
        availability_zone: { type: 'string', nullable: true },
        resources_synced: { type: 'boolean', nullable: true, filter: false },
      },
    },
  ],
};
