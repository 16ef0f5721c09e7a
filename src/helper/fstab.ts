/** One line of a guest's /etc/fstab. */
export interface FstabEntry {
  readonly device: string;
  readonly mountpoint: string;
  readonly fstype: string;
  readonly options: readonly string[];
}

/** fstab escapes spaces in fields as \040 (and tabs as \011). */
const unescape = (field: string) => field.replace(/\\([0-7]{3})/g, (_m, octal: string) => String.fromCharCode(parseInt(octal, 8)));

export function parseFstab(text: string): FstabEntry[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split(/\s+/))
    .filter((fields) => fields.length >= 3)
    .map(([device, mountpoint, fstype, options]) => ({
      device: unescape(device!),
      mountpoint: unescape(mountpoint!),
      fstype: fstype!,
      options: (options ?? 'defaults').split(','),
    }));
}
