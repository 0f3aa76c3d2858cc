// RBAC policies (/v2.0/rbac-policies): grants of an action on an object to a project or to
// everyone (`*`). Which object types and actions exist is decided at run time by the
// services that register them (src/services/rbac/object-types.ts), so only the shape is
// declared here.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const rbacPoliciesExtension: ExtensionDef = {
  alias: 'rbac-policies',
  name: 'RBAC Policies',
  description: 'Allows creation and modification of policies that control tenant access to resources.',
  updated: '2015-06-17T12:15:12-00:00',
  resources: [
    {
      collection: 'rbac_policies',
      path: 'rbac-policies',
      member: 'rbac_policy',
      table: 'rbac_policies',
      quota: 'rbac_policy',
      allowBulk: false,
      standard: { name: false, description: false, tags: false, timestamps: false, revision: false },
      attributes: {
        object_type: { type: 'string', allowPost: true, required: true, maxLength: 255 },
        object_id: { type: 'uuid', allowPost: true, required: true },
        target_tenant: { type: 'string', allowPost: true, allowPut: true, required: true, maxLength: 255, column: 'target_project', enforcePolicy: true },
        action: { type: 'string', allowPost: true, required: true, maxLength: 255 },
      },
    },
  ],
};
