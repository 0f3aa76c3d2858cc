// Neutron's default rules for trunks (neutron/conf/policies/trunk.py): the project's
// members manage its trunks and their subports, its readers read them.
import { ADMIN_OR_MEMBER, ADMIN_OR_READER, crud } from '../../policy/defaults.ts';

export const trunkRules: Record<string, string> = {
  ...crud('trunk'),
  add_subports: ADMIN_OR_MEMBER,
  remove_subports: ADMIN_OR_MEMBER,
  get_subports: ADMIN_OR_READER,
};
