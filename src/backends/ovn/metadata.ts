// Metadata the OVN way (as ML2/OVN): every network with an IPv4 subnet served by DHCP gets a
// `localport` Logical_Switch_Port `ovnmeta-<network id>` (network:distributed in Neutron's
// terms). A localport exists on every chassis and its traffic never leaves it: each
// chassis' metadata agent (src/agent/ovn-metadata/) plugs a namespace in as that port, holding
// 169.254.169.254, and answers there for the workloads of that chassis. DHCP tells the
// workloads the way: a classless route to 169.254.169.254/32 on-link (router 0.0.0.0), since
// the metadata port holds no address of the subnet (Neutrino has no Neutron port for it;
// ML2/OVN allocates one and routes via it).
import type { DesiredRow } from './reconcile.ts';
import { EXT, switchName } from './names.ts';
import { METADATA_DEVICE_OWNER, METADATA_IP, metadataMac, metadataPortName } from './metadata-names.ts';

type Item = Record<string, any>;

/** The classless static route DHCP gives for metadata (RFC 3442: router 0.0.0.0 = on-link). */
export const METADATA_ROUTE = `${METADATA_IP}/32,0.0.0.0`;

/** Whether a subnet gives its network a metadata port (and the route to it): IPv4 with DHCP on. */
export const servesMetadata = (subnet: Item): boolean => subnet.ip_version === 4 && subnet.enable_dhcp === true;

/** The network's metadata localport row, keyed by its name. */
export function metadataPort(network: Item): { key: string; row: DesiredRow } {
  const name = metadataPortName(network.id);
  return {
    key: name,
    row: {
      columns: {
        name,
        type: 'localport',
        addresses: [`${metadataMac(network.id)} ${METADATA_IP}`],
        enabled: true,
        options: {},
        port_security: [],
        external_ids: { [EXT.networkName]: switchName(network.id), [EXT.deviceOwner]: METADATA_DEVICE_OWNER, [EXT.deviceId]: name },
      },
    },
  };
}
