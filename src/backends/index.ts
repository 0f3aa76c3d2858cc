// Backend drivers by name; configuration `backend.driver` picks one (default `noop`).
// A new driver adds its folder (src/backends/<name>/) and one line here.
import type { BackendDriver } from './driver.ts';
import { NoopDriver } from './noop.ts';
import { LinuxDriver } from './linux/driver.ts';
import { OvnDriver } from './ovn/driver.ts';
import type { NeutrinoConfig } from '../config/index.ts';

export type { BackendDriver } from './driver.ts';

/** What drivers may read from the configuration. */
export interface BackendOptions {
  agentDownTime: number;
  /** The `backend` configuration section (driver-specific keys). */
  backend?: NeutrinoConfig['backend'];
}

const DRIVERS: Record<string, (options: BackendOptions) => BackendDriver> = {
  noop: () => new NoopDriver(),
  linux: (options) => new LinuxDriver(options),
  ovn: (options) => new OvnDriver(options.backend),
};

export function backendNames(): string[] {
  return Object.keys(DRIVERS);
}

/** The driver named by configuration; an unknown name fails start-up. */
export function createBackend(name: string, options: BackendOptions = { agentDownTime: 75 }): BackendDriver {
  const make = DRIVERS[name];
  if (!make) throw new Error(`unknown backend.driver ${JSON.stringify(name)}: one of ${backendNames().join(', ')}`);
  return make(options);
}
