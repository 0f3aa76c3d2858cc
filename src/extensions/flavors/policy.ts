// Neutron's default rules for flavors and service profiles (neutron/conf/policies/flavor.py,
// service_type.py): the admin manages them; every caller reads flavors.
import { ADMIN } from '../../policy/defaults.ts';

export const flavorRules: Record<string, string> = {
  create_flavor: ADMIN,
  get_flavor: 'rule:regular_user',
  update_flavor: ADMIN,
  delete_flavor: ADMIN,
  create_service_profile: ADMIN,
  get_service_profile: ADMIN,
  update_service_profile: ADMIN,
  delete_service_profile: ADMIN,
  create_flavor_service_profile: ADMIN,
  get_flavor_service_profile: 'rule:regular_user',
  delete_flavor_service_profile: ADMIN,
};
