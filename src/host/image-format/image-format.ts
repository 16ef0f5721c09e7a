import { SnfImageError } from '../../errors.ts';

/**
 * The values of img_format. A diskdump is a whole disk and is written as it
 * is; an extdump or ntfsdump is one filesystem that lands behind a generated
 * 1 MiB MBR, which also tells the helper the OS family and root partition.
 * A qcow2 is a whole disk too, decoded on the way (qcow2-stream.ts).
 */
export const IMAGE_FORMATS = ['diskdump', 'extdump', 'ntfsdump', 'qcow2'] as const;
export type ImageFormat = (typeof IMAGE_FORMATS)[number];

/** MBR partition type bytes (parted's "ext2" and "NTFS"). */
export const LINUX_PARTITION_TYPE = 0x83;
export const NTFS_PARTITION_TYPE = 0x07;

export interface FilesystemDumpLayout {
  readonly partitionType: number;
  /** Image properties the host forces on the helper (snf-image's snf_export_PROPERTY_*). */
  readonly forcedProperties: { readonly OSFAMILY: string; readonly ROOT_PARTITION: string };
}

export class UnknownImageFormat extends SnfImageError {
  override readonly name = 'UnknownImageFormat';
  constructor(readonly format: string) {
    super(`img_format "${format}" is not supported: use ${IMAGE_FORMATS.join(', ')}`);
  }
}

export function parseImageFormat(format: string): ImageFormat {
  const known = IMAGE_FORMATS.find((f) => f === format);
  if (known === undefined) throw new UnknownImageFormat(format);
  return known;
}

/** How a filesystem dump is laid on the disk; undefined for a whole disk (diskdump, qcow2), which needs nothing. */
export function filesystemDumpLayout(format: ImageFormat): FilesystemDumpLayout | undefined {
  switch (format) {
    case 'diskdump':
    case 'qcow2':
      return undefined;
    case 'extdump':
      return { partitionType: LINUX_PARTITION_TYPE, forcedProperties: { OSFAMILY: 'linux', ROOT_PARTITION: '1' } };
    case 'ntfsdump':
      return { partitionType: NTFS_PARTITION_TYPE, forcedProperties: { OSFAMILY: 'windows', ROOT_PARTITION: '1' } };
  }
}

/** The image properties an img_format forces on the helper: `{}` for diskdump. */
export function formatProperties(format: string): Readonly<Record<string, string>> {
  return filesystemDumpLayout(parseImageFormat(format))?.forcedProperties ?? {};
}
