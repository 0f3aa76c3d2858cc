// IPAM's Neutron errors (types and messages as Neutron raises them).
import { badRequest, conflict } from '../../foundation/errors.ts';

export const ipAddressInUse = (networkId: string, ip: string) =>
  conflict('IpAddressInUse', `Unable to complete operation for network ${networkId}. The IP address ${ip} is in use.`);

export const ipAddressGenerationFailure = (networkId: string) =>
  conflict('IpAddressGenerationFailure', `No more IP addresses available on network ${networkId}.`);

export const invalidIpForSubnet = (ip: string) => badRequest(`IP address ${ip} is not a valid IP for the specified subnet.`, 'InvalidIpForSubnet');

export const invalidIpForNetwork = (ip: string) =>
  badRequest(`IP address ${ip} is not a valid IP for any of the subnets on the specified network.`, 'InvalidIpForNetwork');

export const macAddressInUse = (networkId: string, mac: string) =>
  conflict('MacAddressInUse', `Unable to complete operation for network ${networkId}. The mac address ${mac} is in use.`);

export const invalidAllocationPool = (pool: string) => badRequest(`The allocation pool ${pool} is not valid.`, 'InvalidAllocationPool');

export const outOfBoundsAllocationPool = (pool: string, cidr: string) =>
  badRequest(`The allocation pool ${pool} spans beyond the subnet cidr ${cidr}.`, 'OutOfBoundsAllocationPool');

export const overlappingAllocationPools = (a: string, b: string, cidr: string) =>
  conflict('OverlappingAllocationPools', `Found overlapping allocation pools: ${a} and ${b} for subnet ${cidr}.`);

export const gatewayConflictWithAllocationPools = (ip: string, pool: string) =>
  conflict('GatewayConflictWithAllocationPools', `Gateway ip ${ip} conflicts with allocation pool ${pool}.`);

export const subnetInUse = (subnetId: string) =>
  conflict('SubnetInUse', `Unable to complete operation on subnet ${subnetId}: One or more ports have an IP allocation from this subnet.`);
