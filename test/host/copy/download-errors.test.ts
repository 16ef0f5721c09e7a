import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { copyImage, type CopyImageInput } from '../../../src/host/copy/copy-image.ts';
import { startImageServer, type ImageServer } from './image-server.ts';
import { processHasOpen } from './open-files.ts';
import { standardBackends } from '../../../src/host/backends/backend-registry.ts';

const backends = standardBackends();

const MiB = 1024 * 1024;
const IMAGE = randomBytes(3 * MiB);

/** Each failure a server can give mid-download ends the copy with a sentence naming the URL, never with success. */
describe('a download that goes wrong', () => {
  let dir: string;
  let server: ImageServer;
  const input = (path: string, target: string): CopyImageInput => ({
    imageId: `${server.url}${path}?token=secret`,
    source: 'network',
    format: 'diskdump',
    target,
    config: { imageDir: dir, backendsConfigDir: join(dir, 'b'), downloadStallSeconds: 0.3 },
  });
  const ctx = { signal: new AbortController().signal, emit: () => {} };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'download-errors-'));
    server = await startImageServer(IMAGE);
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const cases: Array<[string, string, RegExp]> = [
    ['stalls', '/stall.img', /the connection was lost after \d+ bytes \(the server sent nothing for 0\.3 s\)/],
    // libuv reports a reset that follows a partial read as the end of the stream: then the missing bytes tell.
    ['resets the connection', '/reset.img', /the connection was lost after \d+ bytes \((.*ECONNRESET|the server closed the connection \d+ bytes short of the 3145728 it announced)\)/],
    ['sends fewer bytes than it announced', '/short.img', /the connection was lost after 1572864 bytes|ended after 1572864 of 3145728 bytes/],
    ['sends more bytes than it announced', '/long.img', /the server sent more bytes than the 1572864 announced \(bytes after the end of the body\)/],
  ];
  for (const [what, path, reason] of cases) {
    it(`fails naming the URL when the server ${what}`, async () => {
      const disk = join(dir, `${path.slice(1)}.disk`);
      await writeFile(disk, Buffer.alloc(4 * MiB, 0xee));
      await assert.rejects(copyImage(input(path, disk), ctx, backends), (error: Error) => {
        assert.match(error.message, new RegExp(`http://127\\.0\\.0\\.1:\\d+${path.replace('.', '\\.')}\\?\\.\\.\\.`));
        assert.match(error.message, reason);
        assert.doesNotMatch(error.message, /secret/);
        return true;
      });
      assert.equal(processHasOpen(disk), false);
      assert.equal((await readFile(disk)).length, 4 * MiB);
    });
  }
});
