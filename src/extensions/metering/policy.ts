// Neutron's default rules for metering labels and rules (neutron/conf/policies/metering.py): admin only.
import { ADMIN } from '../../policy/defaults.ts';

export const meteringRules: Record<string, string> = {
  create_metering_label: ADMIN,
  get_metering_label: ADMIN,
  delete_metering_label: ADMIN,
  create_metering_label_rule: ADMIN,
  get_metering_label_rule: ADMIN,
  delete_metering_label_rule: ADMIN,
};
