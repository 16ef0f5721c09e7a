/**
 * A stream of image bytes read into the caller's buffer, so a copy moves
 * every byte through the same few buffers whatever the image size.
 */
export interface ByteSource {
  /** The number of bytes the source will give, when it can tell in advance. */
  readonly size: number | undefined;
  /** Fills the start of `into`; resolves with the byte count, 0 at the end. */
  read(into: Uint8Array): Promise<number>;
  /**
   * Reads at an offset, leaving the stream where it is: only a source whose
   * bytes can be read in any order (a local file), and only as the source
   * was opened (a wrapper that needs every byte in order has none). With
   * `uncached`, around the page cache where the read allows it (O_DIRECT):
   * for a copy that reads every byte once, holes included; without, the
   * kernel's read-ahead serves reads of dense data better.
   */
  readonly readAt?: (into: Uint8Array, position: number, uncached?: boolean) => Promise<number>;
  /** Gives back what the source holds (file, connection); safe to call twice. */
  close(): Promise<void>;
}

/** The bytes of `prefix`, then those of `rest` (the generated MBR before a filesystem dump). */
export function prefixedSource(prefix: Uint8Array, rest: ByteSource): ByteSource {
  let offset = 0;
  return {
    size: rest.size === undefined ? undefined : prefix.length + rest.size,
    async read(into) {
      if (offset >= prefix.length) return rest.read(into);
      const n = Math.min(into.length, prefix.length - offset);
      into.set(prefix.subarray(offset, offset + n));
      offset += n;
      return n;
    },
    close: () => rest.close(),
  };
}

export const emptySource: ByteSource = {
  size: 0,
  read: async () => 0,
  close: async () => {},
};

/**
 * The first `bytes` bytes of a source (fewer if it is shorter), and a source
 * that gives them again before the rest: what a format is told by.
 */
export async function readHead(source: ByteSource, bytes: number): Promise<{ head: Uint8Array; source: ByteSource }> {
  const head = new Uint8Array(bytes);
  let filled = 0;
  while (filled < bytes) {
    const n = await source.read(head.subarray(filled));
    if (n === 0) break;
    filled += n;
  }
  const given = head.subarray(0, filled);
  const replayed = prefixedSource(given, source);
  // Reads at offsets do not depend on how far the stream went.
  return { head: given, source: { ...replayed, size: source.size, ...(source.readAt && { readAt: source.readAt }) } };
}
