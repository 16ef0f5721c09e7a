import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { realProcesses } from '../../../src/effects/real/processes.ts';
import type { Processes, RunResult } from '../../../src/effects/processes.ts';
import { standardBackends } from '../../../src/host/backends/backend-registry.ts';
import { createUriDestination, detachNbd, NbdUnavailable } from '../../../src/host/backends/uri-destination.ts';

const uriDestination = createUriDestination();
import { createImageTransferEffects } from '../../../src/host/image-transfer.ts';

/** A Processes port that answers from a table of command lines and remembers them. */
function fakeProcesses(answers: Record<string, Partial<RunResult>>): Processes & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    async run(command, args) {
      const line = [command, ...args].join(' ');
      lines.push(line);
      return { exitCode: 0, stdout: '', stderr: '', ...answers[line] };
    },
  };
}

function nbdModuleLoads(): boolean {
  try {
    execFileSync('modprobe', ['nbd'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('uri destination back-end', () => {
  const ctx = { signal: new AbortController().signal, emit: () => {} };
  const hasNbd = nbdModuleLoads();

  it('handles the URI forms qemu opens, not paths', async () => {
    for (const uri of ['nbd://127.0.0.1:10809', 'rbd:pool/disk', 'iscsi://h/iqn/0', 'gluster+tcp://h/v/d', 'sheepdog+unix:///d']) {
      assert.ok(await uriDestination.accepts(uri), uri);
    }
    for (const path of ['/dev/sda', 'disk.img', 'file:///x']) assert.ok(!(await uriDestination.accepts(path)), path);
  });

  it('takes the first nbd device qemu-nbd can attach, and detaches it on release', async () => {
    const processes = fakeProcesses({ 'qemu-nbd -f raw -c /dev/nbd0 rbd:pool/disk0': { exitCode: 1, stderr: 'device busy' } });
    const attached = await createUriDestination(async () => 4).attach('rbd:pool/disk0', { processes }, ctx.signal);
    assert.deepEqual(attached, { target: '/dev/nbd1', resources: [{ kind: 'nbd', id: '/dev/nbd1' }] });
    await detachNbd(attached.resources[0]!, processes);
    assert.deepEqual(processes.lines, [
      'modprobe nbd',
      'qemu-nbd -f raw -c /dev/nbd0 rbd:pool/disk0',
      'qemu-nbd -f raw -c /dev/nbd1 rbd:pool/disk0',
      'qemu-nbd -d /dev/nbd1',
    ]);
  });

  it('says why when no nbd device could be attached', async () => {
    const failing: Record<string, Partial<RunResult>> = {};
    for (const n of [0, 1]) failing[`qemu-nbd -f raw -c /dev/nbd${n} nbd://h:1`] = { exitCode: 1, stderr: 'Failed to connect\n' };
    const processes = fakeProcesses(failing);
    await assert.rejects(
      createUriDestination(async () => 2).attach('nbd://h:1', { processes }, ctx.signal),
      /attached it to none of \/dev\/nbd0-1: Failed to connect/,
    );
  });

  it('explains that the nbd module is missing', { skip: hasNbd && 'the nbd module loads here' }, async () => {
    await assert.rejects(uriDestination.attach('nbd://127.0.0.1:1', { processes: realProcesses }, ctx.signal), (error: Error) => {
      assert.ok(error instanceof NbdUnavailable);
      assert.match(error.message, /written through an nbd device, but modprobe nbd failed/);
      return true;
    });
  });

  it('writes through /dev/nbdN to a qemu-nbd export and releases the device', { skip: !hasNbd && 'no nbd kernel module here' }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'uri-destination-test-'));
    const exported = join(dir, 'export.disk');
    await writeFile(exported, Buffer.alloc(8 << 20));
    const image = randomBytes(3 << 20);
    await writeFile(join(dir, 'image.img'), image);
    const port = 20000 + Math.floor(Math.random() * 20000);
    const server = spawn('qemu-nbd', ['-f', 'raw', '-b', '127.0.0.1', '-p', String(port), '-t', exported], { stdio: 'ignore' });
    const effects = createImageTransferEffects({ processes: realProcesses, backends: standardBackends() });
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const attached = await effects.attachDestination({ backend: 'uri', disk: `nbd://127.0.0.1:${port}` }, ctx);
      try {
        assert.match(attached.target, /^\/dev\/nbd\d+$/);
        const config = { imageDir: dir, backendsConfigDir: join(dir, 'backends') };
        await effects.copyImage({ imageId: 'image.img', source: 'local', format: 'diskdump', target: attached.target, config }, ctx);
      } finally {
        for (const resource of [...attached.resources].reverse()) await effects.releaseResource(resource, ctx);
      }
      assert.ok((await readFile(exported)).subarray(0, image.length).equals(image));
    } finally {
      server.kill();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
