// `neutrino plug PORT --netns NAME`: what os-vif does for Nova (and a CNI plugin will do):
// a veth pair whose host end is the port's tap device (tap + 11 characters of the port id)
// and whose other end, with the port's MAC address and the network's MTU, goes into the
// workload's namespace. Sets binding:host_id to this host when the port has none; the agent
// then puts the tap on the network's bridge and reports the port ACTIVE.
import type { AgentConfig } from './config.ts';
import { AgentClient } from './client.ts';
import { Host } from './host.ts';
import { tapName } from '../backends/linux/names.ts';

export interface PlugResult {
  port: Record<string, any>;
  device: string;
  created: boolean;
}

export async function plug(config: AgentConfig, portId: string, netns: string, ifname = 'eth0'): Promise<PlugResult> {
  const client = new AgentClient(config.server, config.auth);
  const host = new Host(config.netns || undefined);
  let port = (await client.get(`/v2.0/ports/${encodeURIComponent(portId)}`)).port;
  if (!port['binding:host_id']) port = (await client.put(`/v2.0/ports/${port.id}`, { port: { 'binding:host_id': config.host } })).port;
  else if (port['binding:host_id'] !== config.host) throw new Error(`port ${port.id} is bound to host ${port['binding:host_id']}, not ${config.host}`);
  const net = (await client.get(`/v2.0/networks/${port.network_id}`)).network;
  const tap = tapName(port.id);
  const links = await host.links();
  const inner = await host.run('ip', ['-n', netns, '-j', 'link', 'show', 'dev', ifname]);
  let created = false;
  if (links.has(tap) && inner.code !== 0) await host.ip('link', 'del', tap);
  if (!links.has(tap) || inner.code !== 0) {
    await host.ip('link', 'add', tap, 'mtu', String(net.mtu), 'type', 'veth', 'peer', 'name', ifname, 'netns', netns);
    created = true;
  }
  await host.must('ip', ['-n', netns, 'link', 'set', ifname, 'address', port.mac_address, 'mtu', String(net.mtu), 'up']);
  return { port, device: tap, created };
}

export async function unplug(config: AgentConfig, portId: string): Promise<boolean> {
  const host = new Host(config.netns || undefined);
  const tap = tapName(portId);
  if (!(await host.links()).has(tap)) return false;
  await host.ip('link', 'del', tap);
  return true;
}
