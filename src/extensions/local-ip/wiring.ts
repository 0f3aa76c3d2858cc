// Local IPs' edges in the wiring graph (src/framework/wiring.ts): one line per edge.
//   on      phase           what                                                          handler
import { react, veto, type Edge } from '../../framework/wiring.ts';

export const localIpWiring: Edge[] = [
  veto('ports', 'beforeDelete', 'a port local IPs take their address from stays (ServicePortInUse)', (op, s) => s.localIps?.keepLocalPorts(op)),
  react('ports', 'beforeDelete', "delete the port's local IP associations", (op, s) => s.localIps?.forgetFixedPort(op)),
];
