import { SnfImageError } from '../../errors.ts';

export const QCOW2_MAGIC = 0x514649fb; // "QFI\xfb"

/** Bytes of the header proper that every version has; extensions and the backing file name follow, inside cluster 0. */
const V2_HEADER_BYTES = 72;
const V3_HEADER_BYTES = 104;
/** qcow2's largest cluster: the header and its extensions lie within the first cluster. */
export const MAX_CLUSTER_BYTES = 2 * 1024 * 1024;
/** qemu's own limits: larger tables are not images qemu made. */
const MAX_L1_BYTES = 32 * 1024 * 1024;

const INCOMPATIBLE = { dirty: 1n << 0n, corrupt: 1n << 1n, externalData: 1n << 2n, compressionType: 1n << 3n, extendedL2: 1n << 4n } as const;
const KNOWN_INCOMPATIBLE = INCOMPATIBLE.dirty | INCOMPATIBLE.corrupt | INCOMPATIBLE.externalData | INCOMPATIBLE.compressionType | INCOMPATIBLE.extendedL2;
const EXTENSION = { end: 0, externalDataFile: 0x44415441, fullDiskEncryption: 0x0537be77 } as const;

export interface Qcow2Header {
  readonly version: 2 | 3;
  readonly clusterBits: number;
  readonly clusterBytes: number;
  /** The guest disk's size in bytes. */
  readonly virtualSize: number;
  readonly l1Entries: number;
  readonly l1Offset: number;
}

/** The image is a qcow2 we must not read: it would make the host open another file, or it needs a key. */
export class Qcow2Refused extends SnfImageError {
  override readonly name = 'Qcow2Refused';
  constructor(readonly image: string, what: string) {
    super(`image ${image} is a qcow2 ${what}: an image must never make the host read another file or hold a key, so it is refused; make a standalone, unencrypted copy with qemu-img convert -O qcow2 and deploy that`);
  }
}

export class Qcow2Unsupported extends SnfImageError {
  override readonly name = 'Qcow2Unsupported';
  constructor(readonly image: string, what: string) {
    super(`image ${image} is a qcow2 ${what}, which is not supported; convert it with qemu-img convert -O qcow2 -o compat=1.1,compression_type=zlib`);
  }
}

export class CorruptQcow2 extends SnfImageError {
  override readonly name = 'CorruptQcow2';
  constructor(readonly image: string, what: string) {
    super(`image ${image} is not a valid qcow2: ${what}; the file is damaged or truncated, fetch it again`);
  }
}

/**
 * Reads and checks the header in `cluster0` (the first cluster, or the whole
 * image when shorter). Refused: a backing file, an external data file,
 * encryption. Unsupported: versions other than 2 and 3, extended L2 entries
 * (subclusters) and zstd-compressed clusters.
 */
export function parseQcow2Header(image: string, cluster0: Uint8Array): Qcow2Header {
  const view = new DataView(cluster0.buffer, cluster0.byteOffset, cluster0.byteLength);
  if (cluster0.length < V2_HEADER_BYTES) throw new CorruptQcow2(image, `it is only ${cluster0.length} bytes long, shorter than a qcow2 header`);
  if (view.getUint32(0) !== QCOW2_MAGIC) throw new CorruptQcow2(image, 'it does not start with the qcow2 magic "QFI\\xfb" (is img_format right?)');
  const version = view.getUint32(4);
  if (version !== 2 && version !== 3) throw new Qcow2Unsupported(image, `of version ${version} (versions 2 and 3 are read)`);
  const clusterBits = view.getUint32(20);
  if (clusterBits < 9 || clusterBits > 21) throw new CorruptQcow2(image, `its cluster size is 2^${clusterBits} bytes (qcow2 allows 2^9 to 2^21)`);
  const clusterBytes = 2 ** clusterBits;
  const headerBytes = version === 2 ? V2_HEADER_BYTES : view.getUint32(100);
  if (version === 3 && (headerBytes < V3_HEADER_BYTES || headerBytes > cluster0.length)) throw new CorruptQcow2(image, `its header length ${headerBytes} is impossible`);

  const backingOffset = u64(view, 8);
  if (backingOffset !== 0) throw new Qcow2Refused(image, `with a backing file${backingName(cluster0, backingOffset, view.getUint32(16))}`);
  if (view.getUint32(32) !== 0) throw new Qcow2Refused(image, 'that is encrypted');

  let compressionType = 0;
  if (version === 3) {
    const incompatible = view.getBigUint64(72);
    if (incompatible & INCOMPATIBLE.externalData) throw new Qcow2Refused(image, 'whose data lives in an external data file');
    if (incompatible & INCOMPATIBLE.corrupt) throw new CorruptQcow2(image, 'qemu marked it corrupt');
    if (incompatible & INCOMPATIBLE.extendedL2) throw new Qcow2Unsupported(image, 'with extended L2 entries (subclusters)');
    if (incompatible & ~KNOWN_INCOMPATIBLE) throw new Qcow2Unsupported(image, `with incompatible features 0x${incompatible.toString(16)} this reader does not know`);
    if (incompatible & INCOMPATIBLE.compressionType) compressionType = headerBytes > 104 ? cluster0[104]! : 0;
    if (view.getUint32(96) > 6) throw new CorruptQcow2(image, `its refcount order ${view.getUint32(96)} is above 6`);
    checkExtensions(image, view, headerBytes);
  } else checkExtensions(image, view, V2_HEADER_BYTES);
  if (compressionType !== 0) throw new Qcow2Unsupported(image, compressionType === 1 ? 'with zstd-compressed clusters' : `with compression type ${compressionType}`);

  const virtualSize = u64(view, 24);
  const l1Entries = view.getUint32(36);
  const l1Offset = u64(view, 40);
  const l2Entries = clusterBytes / 8;
  const neededL1 = Math.ceil(virtualSize / (l2Entries * clusterBytes));
  if (l1Entries < neededL1) throw new CorruptQcow2(image, `its L1 table has ${l1Entries} entries and a ${virtualSize}-byte disk needs ${neededL1}`);
  if (l1Entries * 8 > MAX_L1_BYTES) throw new CorruptQcow2(image, `its L1 table of ${l1Entries} entries is larger than qemu allows`);
  if (l1Offset === 0 || l1Offset % clusterBytes !== 0) throw new CorruptQcow2(image, `its L1 table offset ${l1Offset} is not on a cluster boundary`);
  return { version, clusterBits, clusterBytes, virtualSize, l1Entries, l1Offset };
}

/** An offset as a Number; offsets above 2^53 are no disk this side of the exabyte. */
function u64(view: DataView, at: number): number {
  return Number(view.getBigUint64(at));
}

function backingName(cluster0: Uint8Array, offset: number, length: number): string {
  if (offset + length > cluster0.length || length === 0 || length > 1023) return '';
  return ` ("${Buffer.from(cluster0.subarray(offset, offset + length)).toString('utf8').replace(/[^\x20-\x7e]/g, '?')}")`;
}

function checkExtensions(image: string, view: DataView, start: number): void {
  for (let at = start; at + 8 <= view.byteLength; ) {
    const type = view.getUint32(at);
    const length = view.getUint32(at + 4);
    if (type === EXTENSION.end) return;
    if (type === EXTENSION.externalDataFile) throw new Qcow2Refused(image, 'whose data lives in an external data file');
    if (type === EXTENSION.fullDiskEncryption) throw new Qcow2Refused(image, 'that is encrypted');
    at += 8 + Math.ceil(length / 8) * 8;
  }
}
