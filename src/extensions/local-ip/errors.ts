// Local IPs' Neutron errors (neutron_lib/exceptions/local_ip.py): types, statuses, messages.
import { NeutronError } from '../../foundation/errors.ts';

export const localIpNotFound = (id: string) => new NeutronError(404, 'LocalIPNotFound', `Local IP ${id} could not be found.`);
export const localIpInUse = (id: string) => new NeutronError(409, 'LocalIPInUse', `Local IP ${id} is still associated with one or more ports.`);
export const localIpNoIp = (portId: string) => new NeutronError(400, 'LocalIPNoIP', `Specified Port ${portId} has no fixed IPs configured.`);
export const requestedIpNotFound = (portId: string, ip: string) =>
  new NeutronError(400, 'LocalIPRequestedIPNotFound', `Specified Port ${portId} does not have requested IP address: ${ip}.`);
export const noRequestedIp = (portId: string) =>
  new NeutronError(400, 'LocalIPNoRequestedIP', `Specified Port ${portId} has several IPs, should specify exact IP address to use for Local IP.`);
export const portOrNetworkRequired = () => new NeutronError(400, 'LocalIPPortOrNetworkRequired', 'Either Port ID or Network ID must be specified for Local IP create.');
export const associationNotFound = (localIpId: string, portId: string) =>
  new NeutronError(404, 'LocalIPAssociationNotFound', `Local IP ${localIpId} association with port ${portId} could not be found.`);
export const badRequestFor = (resource: string, msg: string) => new NeutronError(400, 'BadRequest', `Bad ${resource} request: ${msg}.`);
export const servicePortInUse = (portId: string, reason: string) =>
  new NeutronError(409, 'ServicePortInUse', `Port ${portId} cannot be deleted directly via the port API: ${reason}.`);
