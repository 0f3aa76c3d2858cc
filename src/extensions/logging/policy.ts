// Neutron's default rules for network logs (neutron/conf/policies/logging.py, Zed): admins only.
import { ADMIN } from '../../policy/defaults.ts';

export const loggingRules: Record<string, string> = {
  get_loggable_resource: ADMIN,
  create_log: ADMIN,
  get_log: ADMIN,
  update_log: ADMIN,
  delete_log: ADMIN,
};
