// Local IPs' edges in the wiring graph (src/framework/wiring.ts): one line per edge.
//   on      phase           what                                                          handler
import { react, referencedBy, veto, type Edge } from '../../framework/wiring.ts';

export const localIpWiring: Edge[] = [
  veto('ports', 'beforeDelete', 'a port local IPs take their address from stays (ServicePortInUse)', (op, s) => s.localIps?.keepLocalPorts(op), [referencedBy('local_ips', 'local_port_id')]),
  react('ports', 'beforeDelete', "delete the port's local IP associations", (op, s) => s.localIps?.forgetFixedPort(op), [referencedBy('local_ip_associations', 'fixed_port_id')]),
];
