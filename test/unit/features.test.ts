// Feature discovery and the wiring graph: every folder of src/extensions/ with an index is
// found (no central list), features are ordered by `after`, and the assembled graph runs
// edges in the documented order (the owner first, except before a delete).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp } from '../../src/app.ts';
import { loadConfig } from '../../src/config/index.ts';
import { loadFeatures, migrationsOf } from '../../src/framework/discovery.ts';
import { defineFeature } from '../../src/framework/feature.ts';
import { OWNER_FIRST, react, veto, WiringGraph } from '../../src/framework/wiring.ts';
import { Batch, type DeleteOp } from '../../src/framework/operation.ts';
import { makeContext } from '../../src/foundation/context.ts';

const EXTENSIONS = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../src/extensions');

describe('feature discovery', () => {
  it('finds every folder with an index and orders each feature after the ones it names', async () => {
    const features = await loadFeatures();
    const folders = fs.readdirSync(EXTENSIONS).filter((d) => fs.existsSync(path.join(EXTENSIONS, d, 'index.ts'))).sort();
    assert.deepEqual(features.map((f) => f.name).sort(), folders);
    assert.ok(!features.some((f) => f.name === 'ipam'), 'a library folder without index is no feature');
    const position = new Map(features.map((f, i) => [f.name, i]));
    for (const f of features) for (const before of f.after ?? []) assert.ok(position.get(before)! < position.get(f.name)!, `${before} before ${f.name}`);
  });

  it('merges every feature\'s migrations under their landed names', async () => {
    const names = Object.keys(migrationsOf(await loadFeatures()));
    for (const landed of ['0001_core', '0002_core_ipam', '0020_rbac_policies', '0030_l3', '0040_security_groups', '0041_default_security_group_rules', '0042_shared_groups', '0050_metering_agents', '0051_quota_usages']) {
      assert.ok(names.includes(landed), landed);
    }
    assert.throws(() => migrationsOf([defineFeature({ name: 'a', migrations: { '0001_x': { up: async () => {} } } }), defineFeature({ name: 'b', migrations: { '0001_x': { up: async () => {} } } })]), /defined twice/);
  });
});

describe('wiring graph', () => {
  it('runs the edges of a phase in table order, and before a delete runs them before the owner', async () => {
    assert.equal(OWNER_FIRST.beforeCreate, true);
    assert.equal(OWNER_FIRST.beforeDelete, false);
    const ran: string[] = [];
    const graph = new WiringGraph({} as never);
    graph.add('first', veto('things', 'beforeDelete', 'checks', async () => void ran.push('first')));
    graph.add('second', react('things', 'beforeDelete', 'cleans up', async () => void ran.push('second')));
    graph.add('other', react('others', 'beforeDelete', 'not this one', async () => void ran.push('other')));
    const batch = new Batch();
    const op: DeleteOp = { kind: 'delete', collection: 'things', trx: {} as never, ctx: makeContext({ roles: ['admin'] }), item: { id: 'x' }, parents: batch.parents, options: {}, batch };
    await graph.run('beforeDelete', op);
    assert.deepEqual(ran, ['first', 'second']);
    const lines = graph.describe().filter((l) => l.includes('beforeDelete'));
    assert.match(lines.at(-1)!, /\(owner\)/, 'the owner is shown last before a delete');
  });

  it('assembles the features\' tables: on a port delete L3 vetoes first, then reacts, the owner last', async () => {
    const config = loadConfig({ env: {} });
    const app = await createApp({ ...config, database: { ...config.database, url: 'sqlite::memory:' } });
    try {
      const lines = app.wiring.describe();
      const at = (text: string) => {
        const i = lines.findIndex((l) => l.includes(text));
        assert.ok(i >= 0, `graph has: ${text}`);
        return i;
      };
      const portsStart = at('ports');
      const veto = at('l3: router and floating IP ports are deleted by L3 only');
      const fips = at("l3: disassociate the port's floating IPs");
      const owner = lines.findIndex((l, i) => i > fips && l.includes("ports's own beforeDelete"));
      assert.ok(portsStart < veto && veto < fips && fips < owner, 'veto, reactions, then the owner');
      // RBAC's edges of a shared type come from the type's registration.
      at('rbac: a * network grant for each flag set (shared, router:external)');
      at('securitygroups: ?security_groups= ports bound to any of the groups');
    } finally {
      await app.close();
    }
  });
});
