// Names shared by the linux driver (server) and `neutrino agent` (hosts). Pure: the agent
// imports this file and nothing else of the server.

/** Agent type the L2 part of `neutrino agent` registers as. */
export const L2_AGENT_TYPE = 'Linux bridge agent';

/** Device names Neutron's Linux bridge agent uses (interface names are at most 15 bytes). */
export const tapName = (portId: string) => `tap${portId.slice(0, 11)}`;
export const bridgeName = (networkId: string) => `brq${networkId.slice(0, 11)}`;
