import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { NoSuitableBackend } from '../../../src/host/backends/backend-errors.ts';
import { orderBackends } from '../../../src/host/backends/priority.ts';
import { standardBackends } from '../../../src/host/backends/backend-registry.ts';
import { chooseBackends } from '../../../src/host/backends/select-backends.ts';

const backends = standardBackends();

describe('back-end selection', () => {
  let root: string;
  let configDir: string;
  let disk: string;
  const signal = new AbortController().signal;
  const config = () => ({ imageDir: join(root, 'images'), backendsConfigDir: configDir });
  const names = (list: readonly { name: string }[]) => list.map((b) => b.name);

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'select-backends-test-'));
    await mkdir(join(root, 'images'));
    await writeFile(join(root, 'images', 'base.img'), Buffer.alloc(1024));
    disk = join(root, 'disk0');
    await writeFile(disk, Buffer.alloc(4096));
  });
  beforeEach(async () => {
    configDir = await mkdtemp(join(root, 'backends-'));
    await mkdir(join(configDir, 'src'));
    await mkdir(join(configDir, 'dst'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('probes in the shipped order: null, network, local; uri before local', async () => {
    const warnings: string[] = [];
    assert.deepEqual(names(await orderBackends('src', backends.sources, configDir, warnings)), ['null', 'network', 'local']);
    assert.deepEqual(names(await orderBackends('dst', backends.destinations, configDir, warnings)), ['uri', 'local']);
    assert.deepEqual(warnings, []);
  });

  it('lets a .priority file reorder the back-ends', async () => {
    await writeFile(join(configDir, 'src', 'local.priority'), '99\n');
    assert.deepEqual(names(await orderBackends('src', backends.sources, configDir, [])), ['local', 'null', 'network']);
  });

  it('counts an invalid priority as 50, with a warning', async () => {
    await writeFile(join(configDir, 'src', 'local.priority'), '100');
    const warnings: string[] = [];
    assert.deepEqual(names(await orderBackends('src', backends.sources, configDir, warnings)), ['local', 'null', 'network']);
    assert.match(warnings[0] ?? '', /Invalid priority "100".*using 50/);
  });

  it('breaks ties by name in reverse order, as sort -rn on "NN@path" does', async () => {
    for (const name of ['local', 'network', 'null']) await writeFile(join(configDir, 'src', `${name}.priority`), '40');
    assert.deepEqual(names(await orderBackends('src', backends.sources, configDir, [])), ['null', 'network', 'local']);
  });

  it('skips a back-end with a .disabled file, with a warning', async () => {
    await writeFile(join(configDir, 'src', 'null.disabled'), '');
    const warnings: string[] = [];
    assert.deepEqual(names(await orderBackends('src', backends.sources, configDir, warnings)), ['network', 'local']);
    assert.deepEqual(warnings, ['Not examining disabled src back-end null']);
  });

  it('picks each back-end by its id and sizes the image', async () => {
    assert.deepEqual(await chooseBackends({ imageId: 'local://base.img', disk, config: config() }, backends, signal), {
      source: { backend: 'local', size: 1024 },
      destination: { backend: 'local', path: disk },
      warnings: [],
    });
    const nullChoice = await chooseBackends({ imageId: 'null', disk: 'rbd:pool/vm-disk0', config: config() }, backends, signal);
    assert.deepEqual(nullChoice.source, { backend: 'null', size: 0 });
    assert.deepEqual(nullChoice.destination, { backend: 'uri', path: 'rbd:pool/vm-disk0' });
  });

  it('refuses a zero-byte image before the disk is touched, naming it and the way to keep a disk as it is', async () => {
    await writeFile(join(root, 'images', 'empty.img'), '');
    await assert.rejects(chooseBackends({ imageId: 'local://empty.img', disk, config: config() }, backends, signal), {
      message: 'the image "local://empty.img" (img_id) is empty (0 bytes): check the image file or URL; to customize the disk as it is, use img_id null',
    });
  });

  it('says which back-ends it examined when none handles the id', async () => {
    await writeFile(join(configDir, 'src', 'local.disabled'), '');
    await assert.rejects(chooseBackends({ imageId: 'base.img', disk, config: config() }, backends, signal), (error: Error) => {
      assert.ok(error instanceof NoSuitableBackend);
      assert.match(error.message, /no source back-end handles image id \(img_id\) "base.img" \(examined: null, network\)/);
      return true;
    });
    await assert.rejects(chooseBackends({ imageId: 'null', disk: join(root, 'no-such-disk'), config: config() }, backends, signal), /no destination back-end handles disk/);
  });
});
