// Feature discovery: every folder under src/extensions/ with an index module (index.ts
// from the sources, index.js in the compiled dist/) is a feature; its default export is
// its Feature. No central list: a new folder is found at the next start.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Migration } from 'kysely';
import type { CascadedDelete, Feature } from './feature.ts';
import type { ExtensionDef, PolicyParent } from './definitions.ts';

const EXTENSIONS_DIR = fileURLToPath(new URL('../extensions/', import.meta.url));
/** index.ts when running from the sources (tsx), index.js in dist/. */
const INDEX = path.extname(fileURLToPath(import.meta.url)) === '.ts' ? 'index.ts' : 'index.js';

let loaded: Promise<Feature[]> | undefined;

/** The features in build order: each after the ones it names in `after`, otherwise by name. */
export function loadFeatures(): Promise<Feature[]> {
  loaded ??= discover(EXTENSIONS_DIR);
  return loaded;
}

async function discover(dir: string): Promise<Feature[]> {
  const names = fs.readdirSync(dir).sort().filter((name) => fs.existsSync(path.join(dir, name, INDEX))); // a library folder (ipam) has no index
  // Loaded together: from the sources each import is compiled, and one after the other is slower.
  const modules = await Promise.all(names.map((name) => import(pathToFileURL(path.join(dir, name, INDEX)).href) as Promise<{ default?: Feature }>));
  const features = modules.map((mod, i) => {
    const feature = mod.default;
    if (!feature || typeof feature !== 'object' || feature.name !== names[i]) {
      throw new Error(`src/extensions/${names[i]}/${INDEX} must export default defineFeature({ name: '${names[i]}', ... })`);
    }
    return feature;
  });
  return orderFeatures(features);
}

/** Orders features so each comes after those in its `after` list; ties by name. */
function orderFeatures(features: Feature[]): Feature[] {
  const byName = new Map(features.map((f) => [f.name, f]));
  const done = new Set<string>();
  const out: Feature[] = [];
  const visiting = new Set<string>();
  const visit = (f: Feature) => {
    if (done.has(f.name)) return;
    if (visiting.has(f.name)) throw new Error(`features ordered in a cycle through ${f.name}`);
    visiting.add(f.name);
    for (const before of [...(f.after ?? [])].sort()) {
      const dep = byName.get(before);
      if (dep) visit(dep);
    }
    visiting.delete(f.name);
    done.add(f.name);
    out.push(f);
  };
  for (const f of [...features].sort((a, b) => a.name.localeCompare(b.name))) visit(f);
  return out;
}

/** Every feature's API extensions. */
export const extensionsOf = (features: Feature[]): ExtensionDef[] => features.flatMap((f) => f.extensions ?? []);

/** Every feature's default policy rules, merged. */
export const policyRulesOf = (features: Feature[]): Record<string, string> => Object.assign({}, ...features.map((f) => f.policy ?? {}));

export const policyParentsOf = (features: Feature[]): PolicyParent[] => features.flatMap((f) => f.policyParents ?? []);

/** Every feature's cascaded deletes. */
export const cascadesOf = (features: Feature[]): CascadedDelete[] => features.flatMap((f) => f.cascades ?? []);

/** Every feature's migrations, by name; a name used twice is an error. */
export function migrationsOf(features: Feature[]): Record<string, Migration> {
  const out: Record<string, Migration> = {};
  for (const f of features) {
    for (const [name, m] of Object.entries(f.migrations ?? {})) {
      if (name in out) throw new Error(`migration ${name} defined twice (feature ${f.name})`);
      out[name] = m;
    }
  }
  return out;
}
