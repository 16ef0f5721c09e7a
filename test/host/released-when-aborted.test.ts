import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { AbortedError, type Effect } from '../../src/effects/effect.ts';
import { releasedWhenAborted } from '../../src/host/released-when-aborted.ts';
import type { Resource } from '../../machines/host/ports.ts';

describe('an effect that takes resources, when the run is aborted meanwhile', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'released-when-aborted-test-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const released: string[] = [];
  const release: Effect<Resource, void> = async (resource) => {
    released.push(resource.id);
    await rm(resource.id, { recursive: true, force: true });
  };
  /** Takes two real directories; the abort lands after it took them and before it returns. */
  const takeTwo = (abort: AbortController, name: string): Effect<void, { resources: Resource[] }> => async () => {
    const first = join(dir, `${name}-1`);
    const second = join(dir, `${name}-2`);
    await mkdir(first);
    await mkdir(second);
    abort.abort();
    return { resources: [{ kind: 'tempdir', id: first }, { kind: 'tempdir', id: second }] };
  };

  it('gives back what it took, newest first, and rejects as aborted', async () => {
    const abort = new AbortController();
    const effect = releasedWhenAborted('takeTwo', takeTwo(abort, 'aborted'), release);
    await assert.rejects(effect(undefined, { signal: abort.signal, emit: () => {} }), AbortedError);
    assert.deepEqual(released.splice(0), [join(dir, 'aborted-2'), join(dir, 'aborted-1')]);
    await assert.rejects(stat(join(dir, 'aborted-1')), { code: 'ENOENT' });
  });

  it('hands its resources over when the run goes on', async () => {
    const effect = releasedWhenAborted('takeTwo', takeTwo(new AbortController(), 'kept'), release);
    const output = await effect(undefined, { signal: new AbortController().signal, emit: () => {} });
    assert.equal(output.resources.length, 2);
    assert.deepEqual(released, []);
    assert.ok((await stat(join(dir, 'kept-1'))).isDirectory());
  });
});
