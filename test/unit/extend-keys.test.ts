// Keys one extension adds to another feature's dict attribute (ExtensionDef.extendKeys):
// merged by the Registry into the attribute's `keys` without touching the shared definition,
// skipped when the attribute is not served, and checked by checkAddedKeys for the owner.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Registry } from '../../src/framework/registry.ts';
import { checkAddedKeys, type AttributeDef, type ExtensionDef } from '../../src/framework/definitions.ts';
import { NeutronError } from '../../src/foundation/errors.ts';

const INFO: AttributeDef = { type: 'dict', allowPost: true, allowPut: true, storage: 'computed' };
const owner: ExtensionDef = {
  alias: 'owner',
  name: 'owner',
  description: '',
  updated: '',
  resources: [{ collection: 'things', member: 'thing', table: 'things', attributes: { info: INFO } }],
};
const adder = (alias: string, key: string): ExtensionDef => ({
  alias,
  name: alias,
  description: '',
  updated: '',
  extendKeys: { things: { info: { [key]: { type: 'uuid', nullable: true } } }, absent: { info: { x: { type: 'string' } } } },
});

describe('extendKeys', () => {
  it('merges the keys of several extensions into a copy of the attribute', () => {
    const registry = new Registry([owner, adder('a', 'policy_id'), adder('b', 'other_id')]);
    const def = registry.resource('things').attributes.info;
    assert.deepEqual(Object.keys(def.keys ?? {}).sort(), ['other_id', 'policy_id']);
    assert.equal(INFO.keys, undefined, 'the shared definition is unchanged');
    assert.equal(new Registry([owner]).resource('things').attributes.info.keys, undefined, 'a deployment without the extension has no added keys');
  });

  it('lets the owner validate added keys and find unknown ones', () => {
    const def = new Registry([owner, adder('a', 'policy_id')]).resource('things').attributes.info;
    const value: Record<string, unknown> = { own: 1, policy_id: null, color: 'red' };
    assert.deepEqual(checkAddedKeys('info', def, value, ['own']), ['color']);
    assert.deepEqual(checkAddedKeys('info', def, { own: 1, policy_id: '6a0b1c2d-3e4f-5a6b-7c8d-9e0f1a2b3c4d' }, ['own']), []);
    assert.throws(
      () => checkAddedKeys('info', def, { policy_id: 'not-a-uuid' }, []),
      (err: unknown) => err instanceof NeutronError && err.status === 400 && /info:policy_id/.test(err.message),
    );
    assert.deepEqual(checkAddedKeys('info', new Registry([owner]).resource('things').attributes.info, { policy_id: null }, []), ['policy_id'], 'unknown without the extension');
    assert.deepEqual(checkAddedKeys('info', def, { constructor: 1 }, []), ['constructor'], 'no prototype keys');
  });
});
