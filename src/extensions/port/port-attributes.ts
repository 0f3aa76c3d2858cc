// Validation of a port's list attributes with Neutron's errors: allowed address pairs and
// extra DHCP options (with their update-merge semantics); MAC generation from base_mac.
import { randomBytes } from 'node:crypto';
import { badRequest, conflict, NeutronError } from '../../foundation/errors.ts';
import { checkCidr, display, invalidAttr, isIp, isMac } from '../../foundation/validation.ts';

const MAX_ADDRESS_PAIRS = 10;

export interface AddressPair {
  ip_address: string;
  mac_address: string;
}

export interface DhcpOpt {
  opt_name: string;
  opt_value: string;
  ip_version: number;
}

const attrError = (name: string, reason: string) => badRequest(`Invalid input for ${name}. Reason: ${reason}.`);

export const addressPairsNeedPortSecurity = () =>
  conflict('AddressPairAndPortSecurityRequired', 'Port Security must be enabled in order to have allowed address pairs on a port.');

/** Validates allowed_address_pairs; a pair without mac_address gets the port's MAC. */
export function validateAddressPairs(raw: unknown, portMac: string): AddressPair[] {
  if (!Array.isArray(raw)) throw attrError('allowed_address_pairs', `'${JSON.stringify(raw)}' is not a list`);
  if (raw.length > MAX_ADDRESS_PAIRS) {
    throw new NeutronError(400, 'AllowedAddressPairExhausted', `The number of allowed address pair exceeds the maximum ${MAX_ADDRESS_PAIRS}.`);
  }
  const seen = new Set<string>();
  return raw.map((p) => {
    if (!p || typeof p !== 'object' || Array.isArray(p)) throw attrError('allowed_address_pairs', `'${JSON.stringify(p)}' is not a dictionary`);
    const { ip_address, mac_address, ...rest } = p as Record<string, unknown>;
    if (Object.keys(rest).length) throw attrError('allowed_address_pairs', `Unrecognized attribute(s) '${Object.keys(rest).join(', ')}'`);
    if (ip_address === undefined) throw new NeutronError(400, 'AllowedAddressPairsMissingIP', 'AllowedAddressPair must contain ip_address');
    if (!isIp(ip_address) && (checkCidr(ip_address) !== undefined || !String(ip_address).includes('/'))) {
      throw attrError('allowed_address_pairs', `'${String(ip_address)}' is not a valid IP address`);
    }
    if (mac_address !== undefined && mac_address !== null && !isMac(mac_address)) throw attrError('allowed_address_pairs', `'${String(mac_address)}' is not a valid MAC address`);
    const pair = { ip_address: ip_address as string, mac_address: ((mac_address as string | undefined) ?? portMac).toLowerCase() };
    const key = `${pair.mac_address}|${pair.ip_address}`;
    if (seen.has(key)) {
      throw new NeutronError(400, 'DuplicateAddressPairInRequest', `Request contains duplicate address pair: mac_address ${pair.mac_address} ip_address ${pair.ip_address}.`);
    }
    seen.add(key);
    return pair;
  });
}

function parseDhcpOpt(o: unknown): { opt_name: string; opt_value: string | null; ip_version: number } {
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw attrError('extra_dhcp_opts', `'${JSON.stringify(o)}' is not a dictionary`);
  const { opt_name, opt_value, ip_version = 4, ...rest } = o as Record<string, unknown>;
  if (Object.keys(rest).length) throw attrError('extra_dhcp_opts', `Unrecognized attribute(s) '${Object.keys(rest).join(', ')}'`);
  if (typeof opt_name !== 'string' || opt_name === '') throw attrError('extra_dhcp_opts', `'${String(opt_name)}' is not a valid opt_name`);
  if (opt_value !== null && typeof opt_value !== 'string') throw attrError('extra_dhcp_opts', `'${String(opt_value)}' is not a valid opt_value`);
  const version = Number(ip_version);
  if (version !== 4 && version !== 6) throw attrError('extra_dhcp_opts', `${String(ip_version)} is not in valid IP versions [4, 6]`);
  return { opt_name, opt_value: opt_value as string | null, ip_version: version };
}

/**
 * extra_dhcp_opts after a change: options are keyed by (opt_name, ip_version); a given
 * option replaces the one with its key, and opt_value null removes it.
 */
export function mergeDhcpOpts(current: DhcpOpt[], raw: unknown): DhcpOpt[] {
  if (!Array.isArray(raw)) throw attrError('extra_dhcp_opts', `'${JSON.stringify(raw)}' is not a list`);
  const out = [...current];
  for (const opt of raw.map(parseDhcpOpt)) {
    const i = out.findIndex((o) => o.opt_name === opt.opt_name && o.ip_version === opt.ip_version);
    if (i >= 0) out.splice(i, 1);
    if (opt.opt_value !== null) out.splice(i >= 0 ? i : out.length, 0, opt as DhcpOpt);
  }
  return out;
}

/** A random MAC on base_mac (Neutron keeps its first three octets, and the fourth when non-zero). */
export function randomMac(baseMac: string): string {
  const base = baseMac.toLowerCase().split(':');
  const rand = [...randomBytes(3)].map((b) => b.toString(16).padStart(2, '0'));
  return [base[0], base[1], base[2], base[3] !== '00' ? base[3] : rand[0], rand[1], rand[2]].join(':');
}

/**
 * port-mac-override: the MAC a direct-physical port's binding profile names
 * (`device_mac_address`, set by Nova for a passed-through physical function), lower-case;
 * undefined when the port is not direct-physical or the profile names none.
 */
export function macFromProfile(port: { 'binding:vnic_type'?: unknown; 'binding:profile'?: unknown }): string | undefined {
  if (port['binding:vnic_type'] !== 'direct-physical') return undefined;
  const profile = port['binding:profile'];
  if (!profile || typeof profile !== 'object') return undefined;
  const mac = (profile as Record<string, unknown>).device_mac_address;
  if (mac === undefined || mac === null) return undefined;
  if (!isMac(mac)) throw invalidAttr('binding:profile', `'${display(mac)}' is not a valid MAC address`);
  return mac.toLowerCase().replace(/-/g, ':');
}

/** tags given on create (tag-ports-during-bulk-creation): strings of 1–255 characters, each once, sorted as reads answer them. */
export function validateCreateTags(raw: unknown, maxPerResource: number): string[] {
  if (!Array.isArray(raw)) throw invalidAttr('tags', `'${display(raw)}' is not a list`);
  for (const tag of raw) if (typeof tag !== 'string' || tag.length === 0 || tag.length > 255) throw invalidAttr('tags', `'${display(tag)}' is not a valid tag`);
  const tags = [...new Set(raw as string[])].sort();
  if (maxPerResource > 0 && tags.length > maxPerResource) throw badRequest(`Invalid input for tags. Reason: ${tags.length} tags exceed the maximum of ${maxPerResource} per resource.`);
  return tags;
}
