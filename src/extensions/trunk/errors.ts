// The trunk plugin's errors (neutron/services/trunk/exceptions.py): Neutron's types and
// statuses, messages in our words.
import { NeutronError } from '../../foundation/errors.ts';

export const trunkNotFound = (id: string) => new NeutronError(404, 'TrunkNotFound', `Trunk ${id} could not be found.`);
export const subPortNotFound = (trunkId: string, portId: string) => new NeutronError(404, 'SubPortNotFound', `SubPort ${portId} could not be found in trunk ${trunkId}.`);
export const trunkPortInUse = (portId: string) => new NeutronError(409, 'TrunkPortInUse', `Port ${portId} is in use by another trunk.`);
export const parentPortInUse = (portId: string) =>
  new NeutronError(409, 'ParentPortInUse', `Port ${portId} is currently in use and is not eligible for use as a parent port.`);
export const portInUseAsTrunkParent = (portId: string, trunkId: string) =>
  new NeutronError(409, 'PortInUseAsTrunkParent', `Port ${portId} is currently a parent port for trunk ${trunkId}.`);
export const portInUseAsSubPort = (portId: string, trunkId: string) => new NeutronError(409, 'PortInUseAsSubPort', `Port ${portId} is currently a subport for trunk ${trunkId}.`);
export const duplicateSubPort = (type: string, id: number, trunkId: string) =>
  new NeutronError(409, 'DuplicateSubPort', `segmentation_type ${type} and segmentation_id ${id} already in use on trunk ${trunkId}.`);
export const trunkInUse = (trunkId: string) => new NeutronError(409, 'TrunkInUse', `Trunk ${trunkId} is currently in use.`);
export const trunkDisabled = (trunkId: string) => new NeutronError(409, 'TrunkDisabled', `Trunk ${trunkId} is currently disabled.`);
export const subPortMtuTooLarge = (portId: string, mtu: number, trunkId: string, trunkMtu: number) =>
  new NeutronError(409, 'SubPortMtuGreaterThanTrunkPortMtu', `MTU ${mtu} of subport ${portId} is greater than MTU ${trunkMtu} of trunk ${trunkId}.`);
export const subPortAttachedElsewhere = (portId: string, deviceId: string) =>
  new NeutronError(409, 'PortInUse', `Port ${portId} cannot be a subport: it is already attached to device ${deviceId}.`);
