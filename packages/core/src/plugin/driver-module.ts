import * as path from 'node:path';
import { KernelError } from '../errors';
import { type AnyDriverDefinition, isDriverDefinition } from './define-driver';
import { kernelErrorWithCause } from './error-with-cause';

/**
 * Loads a driver definition from a module: a package name (`@mmsim/driver-zsmalloc`) or a path
 * (absolute, or relative to the working directory). `module#name` picks one driver of several.
 *
 * A module may export the definition as `default`, as `driver`, or in a `drivers` map
 * (`{ zsmalloc: def }`, typescript-eslint's `rules` map); `module.exports = def` works too.
 * Among several, the one whose meta.name is `name` wins; without a name, the only one, or the
 * one named like the module (`driver-zsmalloc` → `zsmalloc`).
 */
export function loadDriverModule(spec: string, name?: string, baseDir = process.cwd()): AnyDriverDefinition {
  const hash = spec.lastIndexOf('#');
  const moduleId = hash > 0 ? spec.slice(0, hash) : spec;
  const wanted = name ?? (hash > 0 ? spec.slice(hash + 1) : undefined);
  const exports = requireModule(moduleId, baseDir);
  const candidates = collectDefinitions(exports);
  if (candidates.length === 0) {
    throw new KernelError('EINVAL', `module "${moduleId}" exports no driver definition: export one made with defineDriver() as default, as "driver", or in a "drivers" map`);
  }
  const names = candidates.map((d) => d.meta.name);
  if (wanted !== undefined) {
    const hit = candidates.find((d) => d.meta.name === wanted);
    if (!hit) throw new KernelError('ENOENT', `module "${moduleId}" has no driver named "${wanted}"; it provides: ${names.join(', ')}`);
    return hit;
  }
  if (candidates.length === 1) return candidates[0]!;
  const stem = path.basename(moduleId).replace(/\.[cm]?[jt]s$/, '').replace(/^driver-/, '');
  const byStem = candidates.find((d) => d.meta.name === stem);
  if (byStem) return byStem;
  throw new KernelError('EINVAL', `module "${moduleId}" provides several drivers (${names.join(', ')}); choose one with "${moduleId}#<name>" or { driver, name }`);
}

function requireModule(moduleId: string, baseDir: string): unknown {
  const isPath = moduleId.startsWith('.') || path.isAbsolute(moduleId);
  let resolved: string;
  try {
    resolved = isPath ? require.resolve(path.resolve(baseDir, moduleId)) : require.resolve(moduleId, { paths: [baseDir, __dirname] });
  } catch (cause) {
    const hint = isPath ? `no such file relative to ${baseDir}` : 'is the package installed in this workspace?';
    throw kernelErrorWithCause('ENOENT', `cannot find driver module "${moduleId}" (${hint})`, cause);
  }
  // Plugins are CommonJS like the rest of mmsim (toolchain.md P9), so require() is the loader.
  return require(resolved) as unknown;
}

/** Driver definitions exported by a module, without duplicates, in export order. */
function collectDefinitions(exports: unknown): AnyDriverDefinition[] {
  const found: AnyDriverDefinition[] = [];
  const add = (v: unknown) => {
    if (isDriverDefinition(v) && !found.includes(v)) found.push(v);
  };
  if (isDriverDefinition(exports)) add(exports);
  if (typeof exports === 'object' && exports !== null) {
    const mod = exports as { default?: unknown; driver?: unknown; drivers?: unknown };
    add(mod.default);
    add(mod.driver);
    if (typeof mod.default === 'object' && mod.default !== null) add((mod.default as { driver?: unknown }).driver);
    if (typeof mod.drivers === 'object' && mod.drivers !== null) for (const v of Object.values(mod.drivers)) add(v);
  }
  return found;
}
