// The `ip-substring-filtering` API extension.
import type { ExtensionDef } from '../../../framework/definitions.ts';

export const ipSubstringFilteringExtension: ExtensionDef = {
  alias: 'ip-substring-filtering',
  name: 'IP address substring filtering',
  description: 'Provides IP address substring filtering when listing ports',
  updated: '2017-11-28T09:00:00-00:00',
};
