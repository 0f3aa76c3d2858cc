// Every extension Neutrino can serve. A deployment serves all of them unless configured
// otherwise; GET /v2.0/extensions lists exactly the non-core ones enabled here.
import type { NeutrinoConfig } from '../config/index.ts';
import type { ExtensionDef } from './types.ts';
import { apiFeatureExtensions } from './api-features.ts';
import { networkCore, networkExtensions } from './network.ts';
import { rbacExtensions } from './rbac.ts';

export const allExtensions: ExtensionDef[] = [networkCore, ...networkExtensions, ...apiFeatureExtensions, ...rbacExtensions];

export function enabledExtensions(_config: NeutrinoConfig): ExtensionDef[] {
  return allExtensions;
}
