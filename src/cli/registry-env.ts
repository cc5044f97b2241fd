import type { SluiceConfig } from '../config/config.ts';

/**
 * Topology modules build their serdes when they load, so registry settings given as flags are handed to
 * them through the environment (`schemaRegistryFromEnv()` in `sluice/registry` reads it).
 */
export function exportRegistrySettings(config: SluiceConfig): void {
  const registry = config.schemaRegistry;
  if (registry === undefined) return;
  process.env.SLUICE_SCHEMA_REGISTRY_URL = registry.url;
  if (registry.username !== undefined) process.env.SLUICE_SCHEMA_REGISTRY_USERNAME = registry.username;
  if (registry.password !== undefined) process.env.SLUICE_SCHEMA_REGISTRY_PASSWORD = registry.password;
}
