// Attribute fragments shared by more than one of this feature's API definitions (not an alias).
import type { AttributeDef } from '../../../framework/definitions.ts';

export const prefix: AttributeDef = { type: 'cidr', allowPost: true, nullable: true, default: null };
