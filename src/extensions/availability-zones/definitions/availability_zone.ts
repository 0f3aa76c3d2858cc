// availability_zone: GET /v2.0/availability_zones (../routes.ts).
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const availabilityZoneExtension: ExtensionDef = {
  alias: 'availability_zone',
  name: 'Availability Zone',
  description: 'The availability zone extension.',
  updated: '2015-01-01T10:00:00-00:00',
};
