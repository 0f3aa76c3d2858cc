// Configuration layering: defaults < file < environment.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/index.ts';

describe('configuration', () => {
  it('layers defaults, file and environment', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neutrino-config-'));
    const file = path.join(dir, 'neutrino.yaml');
    fs.writeFileSync(file, 'api:\n  port: 9797\nnetwork:\n  vni_ranges: ["10:20"]\nquotas:\n  network: 3\n');
    const config = loadConfig({ file, env: { NEUTRINO_API_HOST: '0.0.0.0', NEUTRINO_NETWORK_TENANT_NETWORK_TYPES: 'vlan,vxlan', NEUTRINO_QUOTAS_PORT: '7' } });
    assert.equal(config.api.port, 9797);
    assert.equal(config.api.host, '0.0.0.0');
    assert.deepEqual(config.network.vni_ranges, ['10:20']);
    assert.deepEqual(config.network.tenant_network_types, ['vlan', 'vxlan']);
    assert.equal(config.quotas.network, 3);
    assert.equal(config.quotas.port, 7);
    assert.equal(config.database.url, 'sqlite:./data/neutrino.db');
    fs.rmSync(dir, { recursive: true });
  });

  it('rejects unknown keys and bad numbers', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neutrino-config-'));
    const file = path.join(dir, 'neutrino.yaml');
    fs.writeFileSync(file, 'api:\n  prot: 1\n');
    assert.throws(() => loadConfig({ file, env: {} }), /unknown configuration key api.prot/);
    assert.throws(() => loadConfig({ env: { NEUTRINO_API_PORT: 'abc' } }), /expected a number/);
    fs.rmSync(dir, { recursive: true });
  });
});
