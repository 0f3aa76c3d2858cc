// Neutron's default rules for port bindings (neutron/conf/policies/port_bindings.py, Zed:
// admin only; update has no rule of its own there, so admin as the others).
import { ADMIN } from '../../policy/defaults.ts';

export const portBindingRules: Record<string, string> = {
  get_port_binding: ADMIN,
  create_port_binding: ADMIN,
  update_port_binding: ADMIN,
  delete_port_binding: ADMIN,
  activate: ADMIN,
};
