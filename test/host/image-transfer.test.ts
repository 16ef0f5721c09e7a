import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AbortedError, type EffectEvent } from '../../src/effects/effect.ts';
import { realProcesses } from '../../src/effects/real/processes.ts';
import { ImageSizeUnknown } from '../../src/host/copy/copy-image.ts';
import { DiskTooSmall } from '../../src/host/copy/disk-writer.ts';
import { standardBackends } from '../../src/host/backends/backend-registry.ts';
import { createImageTransferEffects } from '../../src/host/image-transfer.ts';
import { startImageServer, type ImageServer } from './copy/image-server.ts';
import { processHasOpen } from './copy/open-files.ts';

describe('image transfer effects', () => {
  const effects = createImageTransferEffects({ processes: realProcesses, backends: standardBackends() });
  const IMAGE = randomBytes(5 * 1024 * 1024);
  let dir: string;
  let server: ImageServer;
  let config: { imageDir: string; backendsConfigDir: string };
  const ctx = (events: EffectEvent[] = [], signal = new AbortController().signal) => ({ signal, emit: (e: EffectEvent) => void events.push(e) });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'image-transfer-test-'));
    config = { imageDir: join(dir, 'images'), backendsConfigDir: join(dir, 'backends') };
    await mkdir(config.imageDir);
    await writeFile(join(config.imageDir, 'debian.ext4'), IMAGE);
    server = await startImageServer(IMAGE);
  });
  after(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('deploys an extdump end to end with plain-data inputs and outputs', async () => {
    const disk = join(dir, 'disk0');
    await writeFile(disk, Buffer.alloc(8 * 1024 * 1024));
    const choice = await effects.selectBackends({ imageId: 'local://debian.ext4', disk, config }, ctx());
    assert.deepEqual(choice, { source: { backend: 'local', size: IMAGE.length }, destination: { backend: 'local', path: disk }, warnings: [] });
    assert.deepEqual(await effects.formatProperties({ format: 'extdump' }, ctx()), { properties: { OSFAMILY: 'linux', ROOT_PARTITION: '1' } });
    const attached = await effects.attachDestination({ backend: choice.destination.backend, disk }, ctx());
    assert.deepEqual(attached, { target: disk, resources: [] });
    const events: EffectEvent[] = [];
    const summary = await effects.copyImage(
      { imageId: 'local://debian.ext4', source: choice.source.backend, format: 'extdump', target: attached.target, config },
      ctx(events),
    );
    assert.equal(summary.bytes, 1024 * 1024 + IMAGE.length);
    assert.equal(events.at(-1)?.progress, 100);
    assert.deepEqual(JSON.parse(JSON.stringify(summary)), summary, 'the summary is plain data');
    const table = JSON.parse(execFileSync('sfdisk', ['-J', disk], { encoding: 'utf8' })).partitiontable;
    assert.deepEqual(table.partitions.map((p: { start: number; type: string }) => [p.start, p.type]), [[2048, '83']]);
  });

  it('cannot build an extdump MBR for a download of unknown size', async () => {
    const disk = join(dir, 'disk-unknown-size');
    await writeFile(disk, Buffer.alloc(8 * 1024 * 1024));
    await assert.rejects(
      effects.copyImage({ imageId: `${server.url}/chunked.img`, source: 'network', format: 'extdump', target: disk, config }, ctx()),
      ImageSizeUnknown,
    );
  });

  it('stops a download of unknown size at the end of a too small disk', async () => {
    const disk = join(dir, 'disk-small');
    await writeFile(disk, Buffer.alloc(4 * 1024 * 1024));
    await assert.rejects(
      effects.copyImage({ imageId: `${server.url}/chunked.img`, source: 'network', format: 'diskdump', target: disk, config }, ctx()),
      DiskTooSmall,
    );
    assert.equal((await readFile(disk)).length, 4 * 1024 * 1024);
    assert.equal(processHasOpen(disk), false);
  });

  it('does not start when already aborted', async () => {
    const disk = join(dir, 'disk-aborted');
    await writeFile(disk, Buffer.alloc(8 * 1024 * 1024));
    const controller = new AbortController();
    controller.abort();
    await assert.rejects(
      effects.copyImage({ imageId: 'debian.ext4', source: 'local', format: 'diskdump', target: disk, config }, ctx([], controller.signal)),
      AbortedError,
    );
    assert.ok((await readFile(disk)).every((b) => b === 0));
    assert.equal(processHasOpen(disk), false);
  });

  it('refuses to release a resource it did not take', async () => {
    await assert.rejects(effects.releaseResource({ kind: 'loop', id: '/dev/loop7' }, ctx()), /took no resource of kind loop/);
  });
});
