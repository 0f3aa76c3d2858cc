// The pieces of a port's resource_request that Nova and Placement must derive identically:
// UUIDv5 group ids (checked against Python's uuid.uuid5, which neutron-lib uses) and custom
// trait names (os-traits' normalization).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { customTrait, uuid5 } from '../../src/extensions/qos/resource-request.ts';

describe('qos resource request helpers', () => {
  it('derives UUIDv5 as Python does', () => {
    // python3 -c "import uuid; print(uuid.uuid5(uuid.NAMESPACE_DNS, 'python.org'))"
    assert.equal(uuid5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'python.org'), '886313e1-3b8a-5372-9b90-0c9aee199e5d');
    assert.equal(uuid5('0c8e4d2a-2f7e-4a4b-8f7e-1234567890ab', 'a:b'), '976c3d21-ba40-523a-a832-04529b968538');
  });

  it('normalizes custom trait names', () => {
    assert.equal(customTrait('PHYSNET_physnet1'), 'CUSTOM_PHYSNET_PHYSNET1');
    assert.equal(customTrait('PHYSNET_phys-net.1'), 'CUSTOM_PHYSNET_PHYS_NET_1');
    assert.equal(customTrait('VNIC_TYPE_direct-physical'), 'CUSTOM_VNIC_TYPE_DIRECT_PHYSICAL');
  });
});
