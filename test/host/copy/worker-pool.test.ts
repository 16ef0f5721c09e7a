import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runWorkers } from '../../../src/host/copy/worker-pool.ts';

describe('runWorkers', () => {
  it('throws the first failure only once every worker has returned, and tells the others to stop', async () => {
    const finished: string[] = [];
    let sawStop = false;
    const run = runWorkers(['fails', 'slow', 'fails-later'], async (name, stopped) => {
      if (name === 'fails') throw new Error('first');
      if (name === 'fails-later') {
        await new Promise((resolve) => setTimeout(resolve, 10));
        throw new Error('second');
      }
      while (!stopped()) await new Promise((resolve) => setTimeout(resolve, 1));
      sawStop = true;
      await new Promise((resolve) => setTimeout(resolve, 20));
      finished.push(name);
    });
    await assert.rejects(run, { message: 'first' });
    assert.ok(sawStop);
    assert.deepEqual(finished, ['slow'], 'the slow worker had returned before the failure was thrown');
  });

  it('resolves when every worker succeeds', async () => {
    const done: number[] = [];
    await runWorkers([1, 2, 3], async (n) => {
      done.push(n);
    });
    assert.deepEqual(done.sort(), [1, 2, 3]);
  });
});
