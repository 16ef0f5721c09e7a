import { isSecret, type Secret } from '../../effects/secret.ts';

/**
 * A value together with how the operator wrote it and where, so every error
 * can point at the very line or parameter to fix. Values are collected in
 * layers (config files, variant, OS parameters, config_url), each keyed by
 * the upper-case name, and later layers win.
 */
export interface SourcedValue<V extends string | Secret = string> {
  readonly value: V;
  /** The name as written: `img_id` for an OS parameter, `IMG_ID` in a file, the key as given in a config_url answer. */
  readonly name: string;
  /** Where it was set, for messages; absent for an OS parameter Ganeti passed. */
  readonly where?: string;
}

export type ValueLayer = ReadonlyMap<string, SourcedValue>;

export function mergeLayers<K, V>(layers: readonly ReadonlyMap<K, V>[]): Map<K, V> {
  const merged = new Map<K, V>();
  for (const layer of layers) for (const [key, value] of layer) merged.set(key, value);
  return merged;
}

/** `img_format "qcow"`, or `IMG_FORMAT "qcow" (set in /etc/snf-image/snf-image.conf line 3)`; a secret shows no value. */
export function describeValue(value: SourcedValue<string | Secret>): string {
  const shown = isSecret(value.value) ? value.name : `${value.name} ${JSON.stringify(value.value)}`;
  return value.where === undefined ? shown : `${shown} (set in ${value.where})`;
}
