import * as fs from 'node:fs';
import type { Stats } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { SnfImageError } from '../../errors.ts';

/** Linux gives up after 40 symlinks in one lookup (ELOOP); so do we. */
const MAX_SYMLINKS = 40;

/**
 * The largest guest file a task reads whole (shadow, passwd, hosts, dpkg's
 * status, ...): far above any real one, and small enough that reading and
 * editing it fits in the helper VM's memory.
 */
export const MAX_READ_BYTES = 32 * 1024 * 1024;

/** A guest path that cannot be read or written as asked. */
export class GuestPathError extends SnfImageError {
  override readonly name = 'GuestPathError';
  constructor(
    readonly guestPath: string,
    reason: string,
  ) {
    super(`guest path ${guestPath}: ${reason}`);
  }
}

export interface WriteOptions {
  /** Permission bits; an existing file keeps its own when not given, a new one gets 0644. */
  readonly mode?: number;
  /** Owner; an existing file keeps its own when not given, a new one is root's. */
  readonly uid?: number;
  readonly gid?: number;
}

/**
 * The mounted guest filesystem. Every path is resolved component by component
 * the way the guest itself would see it (chroot semantics): an absolute
 * symlink starts again at the guest root and `..` stops at it. So a symlink in
 * an untrusted image can never lead a read or a write outside the guest.
 *
 * The file system calls are synchronous behind the asynchronous methods: the
 * helper runs one task at a time, and under TCG an asynchronous call costs
 * about a millisecond of hand-offs to libuv's thread pool where a synchronous
 * one costs a tenth of that; resolving a path alone takes one lstat per
 * component (docs/benchmarks.md). None of them can wait on the guest: a read
 * opens with O_NONBLOCK and only a regular file is read.
 */
export class GuestRoot {
  readonly root: string;

  constructor(root: string) {
    this.root = posix.resolve(root);
  }

  /**
   * The host path of a guest path, every symlink followed inside the guest.
   * Components after the first missing one are appended as they are, so the
   * result names where a new file would be created.
   */
  async resolve(guestPath: string): Promise<string> {
    return this.#hostPath(this.#resolveComponents(guestPath, true));
  }

  /** Like resolve, but a symlink as the last component is not followed. */
  async resolveNoFollow(guestPath: string): Promise<string> {
    return this.#hostPath(this.#resolveComponents(guestPath, false));
  }

  async stat(guestPath: string): Promise<Stats | undefined> {
    return lstatOrUndefined(await this.resolve(guestPath));
  }

  async exists(guestPath: string): Promise<boolean> {
    return (await this.stat(guestPath)) !== undefined;
  }

  async isFile(guestPath: string): Promise<boolean> {
    return (await this.stat(guestPath))?.isFile() ?? false;
  }

  /** Whether the path itself (not what it points to) is a symlink, dangling or not. */
  async isSymlink(guestPath: string): Promise<boolean> {
    return lstatOrUndefined(await this.resolveNoFollow(guestPath))?.isSymbolicLink() ?? false;
  }

  async isDirectory(guestPath: string): Promise<boolean> {
    return (await this.stat(guestPath))?.isDirectory() ?? false;
  }

  /** The file's text, or undefined when it does not exist. */
  async readText(guestPath: string): Promise<string | undefined> {
    const buffer = await this.readBytes(guestPath);
    return buffer?.toString('utf8');
  }

  /**
   * The file's bytes, or undefined when it does not exist. Only a regular
   * file of at most MAX_READ_BYTES is read: a FIFO would block the open
   * forever, a device node would read a device of the helper's machine, and
   * a gigantic file would exhaust the helper VM's memory.
   */
  async readBytes(guestPath: string): Promise<Buffer | undefined> {
    const hostPath = await this.resolve(guestPath);
    const found = lstatOrUndefined(hostPath);
    if (!found) return undefined;
    checkReadable(guestPath, found);
    let fd: number;
    try {
      // O_NONBLOCK: should a FIFO take the file's place after the check, the open still returns.
      fd = fs.openSync(hostPath, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') return undefined;
      throw new GuestPathError(guestPath, `cannot be read (${errorCode(error) ?? String(error)})`);
    }
    try {
      checkReadable(guestPath, fs.fstatSync(fd));
      return fs.readFileSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * Replaces (or creates) a file atomically: the data goes to a new file in the
   * same guest directory, which is then renamed over the old one. Rename
   * replaces a symlink rather than writing through it.
   */
  async writeFile(guestPath: string, data: string | Uint8Array, options: WriteOptions = {}): Promise<void> {
    const hostPath = await this.resolve(guestPath);
    const dir = posix.dirname(hostPath);
    const dirStats = lstatOrUndefined(dir);
    if (!dirStats?.isDirectory()) {
      throw new GuestPathError(guestPath, `its directory ${this.toGuest(dir)} does not exist in the guest`);
    }
    const existing = lstatOrUndefined(hostPath);
    if (existing && !existing.isFile()) throw new GuestPathError(guestPath, `exists and is not a regular file (${fileKind(existing)})`);
    const mode = options.mode ?? (existing ? existing.mode & 0o7777 : 0o644);
    const uid = options.uid ?? existing?.uid ?? 0;
    const gid = options.gid ?? existing?.gid ?? 0;

    const temp = posix.join(dir, `.${posix.basename(hostPath)}.snf-image-${randomBytes(6).toString('hex')}`);
    const fd = fs.openSync(temp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW, 0o600);
    try {
      fs.writeFileSync(fd, data);
      fs.fchownSync(fd, uid, gid);
      // chmod after chown: chown clears the set-id bits.
      fs.fchmodSync(fd, mode);
      fs.fsyncSync(fd);
    } catch (error) {
      fs.closeSync(fd);
      fs.rmSync(temp, { force: true });
      throw error;
    }
    fs.closeSync(fd);
    fs.renameSync(temp, hostPath);
  }

  /** Appends by rewriting the whole file, so the write stays atomic and confined. */
  async appendText(guestPath: string, text: string, options: WriteOptions = {}): Promise<void> {
    const current = (await this.readText(guestPath)) ?? '';
    const separator = current === '' || current.endsWith('\n') ? '' : '\n';
    await this.writeFile(guestPath, current + separator + text, options);
  }

  /**
   * Creates the missing directories of a guest path, each with the given mode
   * and owner; existing ones are left as they are. An existing non-directory
   * in the way is an error.
   */
  async makeDirectories(guestPath: string, options: WriteOptions = {}): Promise<void> {
    const parts = splitGuestPath(guestPath);
    for (let i = 1; i <= parts.length; i++) {
      const partial = '/' + parts.slice(0, i).join('/');
      const hostPath = await this.resolve(partial);
      const stats = lstatOrUndefined(hostPath);
      if (stats?.isDirectory()) continue;
      if (stats) throw new GuestPathError(partial, 'exists and is not a directory');
      const parentStats = lstatOrUndefined(posix.dirname(hostPath));
      if (!parentStats?.isDirectory()) {
        throw new GuestPathError(partial, `its directory ${this.toGuest(posix.dirname(hostPath))} does not exist in the guest`);
      }
      // Private until it has its owner, then the mode asked for.
      fs.mkdirSync(hostPath, { mode: 0o700 });
      fs.chownSync(hostPath, options.uid ?? 0, options.gid ?? 0);
      fs.chmodSync(hostPath, options.mode ?? 0o755);
    }
  }

  /** Removes a file or symlink (never what a symlink points to); missing is fine. */
  async remove(guestPath: string): Promise<void> {
    const hostPath = await this.resolveNoFollow(guestPath);
    const stats = lstatOrUndefined(hostPath);
    if (!stats) return;
    if (stats.isDirectory()) throw new GuestPathError(guestPath, 'is a directory');
    fs.unlinkSync(hostPath);
  }

  /** Names in a guest directory; empty when it does not exist. */
  async list(guestPath: string): Promise<string[]> {
    const hostPath = await this.resolve(guestPath);
    if (!lstatOrUndefined(hostPath)?.isDirectory()) return [];
    return fs.readdirSync(hostPath).sort();
  }

  async chown(guestPath: string, uid: number, gid: number): Promise<void> {
    fs.lchownSync(await this.resolve(guestPath), uid, gid);
  }

  async chmod(guestPath: string, mode: number): Promise<void> {
    const hostPath = await this.resolve(guestPath);
    if (lstatOrUndefined(hostPath)?.isSymbolicLink()) throw new GuestPathError(guestPath, 'is a symlink');
    fs.chmodSync(hostPath, mode);
  }

  /** The guest's view of a host path under the root. */
  toGuest(hostPath: string): string {
    const relative = posix.relative(this.root, hostPath);
    return relative === '' ? '/' : `/${relative}`;
  }

  #hostPath(components: readonly string[]): string {
    return posix.join(this.root, ...components);
  }

  #resolveComponents(guestPath: string, followLast: boolean): string[] {
    const pending = splitGuestPath(guestPath);
    const resolved: string[] = [];
    let symlinks = 0;
    let missing = false;
    while (pending.length > 0) {
      const name = pending.shift() as string;
      if (name === '.') continue;
      if (name === '..') {
        resolved.pop();
        continue;
      }
      resolved.push(name);
      if (missing || (pending.length === 0 && !followLast)) continue;
      const stats = lstatOrUndefined(this.#hostPath(resolved));
      if (!stats) {
        missing = true;
        continue;
      }
      if (!stats.isSymbolicLink()) continue;
      if (++symlinks > MAX_SYMLINKS) throw new GuestPathError(guestPath, 'too many levels of symbolic links');
      const target = fs.readlinkSync(this.#hostPath(resolved));
      resolved.pop();
      if (target.startsWith('/')) resolved.length = 0;
      pending.unshift(...target.split('/').filter((part) => part !== ''));
    }
    return resolved;
  }
}

function checkReadable(guestPath: string, stats: Stats): void {
  if (!stats.isFile()) throw new GuestPathError(guestPath, `is not a regular file (${fileKind(stats)}): refusing to read it`);
  if (stats.size > MAX_READ_BYTES) {
    throw new GuestPathError(guestPath, `is ${mebibytes(stats.size)} MiB, more than the ${mebibytes(MAX_READ_BYTES)} MiB a configuration file may have: refusing to read it`);
  }
}

const mebibytes = (bytes: number) => Math.ceil(bytes / (1024 * 1024));

function fileKind(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isSocket()) return 'a socket';
  if (stats.isSymbolicLink()) return 'a symlink';
  return 'not a file';
}

function splitGuestPath(guestPath: string): string[] {
  if (!guestPath.startsWith('/')) throw new GuestPathError(guestPath, 'is not absolute');
  return guestPath.split('/').filter((part) => part !== '');
}

function lstatOrUndefined(hostPath: string): Stats | undefined {
  try {
    return fs.lstatSync(hostPath);
  } catch (error) {
    if (errorCode(error) === 'ENOENT' || errorCode(error) === 'ENOTDIR') return undefined;
    throw error;
  }
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}
