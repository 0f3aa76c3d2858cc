// Neutron's default rules for NDP proxies (neutron/conf/policies/ndp_proxy.py).
import { crud } from '../../policy/defaults.ts';

export const ndpProxyRules: Record<string, string> = {
  ...crud('ndp_proxy'),
};
