import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { EffectEvent } from '../../src/effects/effect.ts';
import type { Processes } from '../../src/effects/processes.ts';
import { VirtualClock } from '../../src/effects/virtual-clock.ts';
import { UNMOUNT_ATTEMPTS, unmount } from '../../src/helper/real-mounts.ts';

/** umount(8) that is busy for the first `busy` calls. */
function busyUmount(busy: number, clock: VirtualClock) {
  const calls: number[] = [];
  const processes: Processes = {
    async run() {
      calls.push(clock.now());
      return calls.length <= busy ? { exitCode: 32, stdout: '', stderr: 'umount: /t: target is busy.\n' } : { exitCode: 0, stdout: '', stderr: '' };
    },
  };
  return { processes, calls };
}

describe('unmount', () => {
  it('retries a busy mountpoint with doubling waits on the given clock, then reports it unmounted', async () => {
    const clock = new VirtualClock();
    const { processes, calls } = busyUmount(3, clock);
    const events: EffectEvent[] = [];
    const done = unmount({ processes, clock, emit: (e) => events.push(e), signal: new AbortController().signal }, '/t');
    await clock.runUntil(() => calls.length === 4);
    await done;
    assert.deepEqual(calls, [0, 250, 750, 1750]);
    assert.deepEqual(events, [{ type: 'helper.unmounted', mountpoint: '/t' }]);
  });

  it('gives up after the last attempt with umount’s own message', async () => {
    const clock = new VirtualClock();
    const { processes, calls } = busyUmount(100, clock);
    const done = unmount({ processes, clock, emit: () => {}, signal: new AbortController().signal }, '/t');
    const outcome = assert.rejects(done, { message: 'cannot unmount /t: umount: /t: target is busy.' });
    await clock.runUntil(() => calls.length === UNMOUNT_ATTEMPTS);
    await outcome;
  });
});
