import { SnfImageError } from '../../errors.ts';

/** The SWAP property: a partition `N:SIZE` (SIZE in MiB) that FixPartitionTable makes, or a whole extra disk by letter. */
export type SwapSpec =
  | { readonly kind: 'partition'; readonly partition: number; readonly sizeMiB: number }
  | { readonly kind: 'disk'; readonly diskIndex: number };

export function parseSwapSpec(value: string): SwapSpec {
  const trimmed = value.trim();
  const partition = /^([1-9][0-9]*):([1-9][0-9]*)$/.exec(trimmed);
  if (partition) return { kind: 'partition', partition: Number(partition[1]), sizeMiB: Number(partition[2]) };
  if (/^[A-Za-z]$/.test(trimmed)) return { kind: 'disk', diskIndex: trimmed.toLowerCase().charCodeAt(0) - 'a'.charCodeAt(0) };
  throw new SnfImageError(`SWAP "${value}" is not valid: use <partition>:<size in MiB> (e.g. 2:512) or a disk letter (e.g. b)`);
}
