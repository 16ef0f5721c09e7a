/**
 * Buffers whose addresses are page-aligned, as O_DIRECT writes need. Node's
 * own buffers promise no alignment (a large malloc sits 16 bytes past a page
 * boundary), but a WebAssembly memory is mapped whole pages at a time, and
 * its 64 KiB-multiple slices keep that alignment.
 */
export function alignedBuffers(count: number, bytesEach: number): Buffer[] {
  const WASM_PAGE = 65536;
  if (bytesEach % WASM_PAGE !== 0) throw new RangeError(`aligned buffers come in multiples of ${WASM_PAGE} bytes`);
  const pages = (count * bytesEach) / WASM_PAGE;
  const memory = new WebAssembly.Memory({ initial: pages, maximum: pages });
  return Array.from({ length: count }, (_, i) => Buffer.from(memory.buffer, i * bytesEach, bytesEach));
}
