import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostMachine, RELEASE_RETRIES } from '../../../machines/host/machine.ts';
import { untilAborted, type EffectContext } from '../../../src/effects/effect.ts';
import { injectFault } from '../../../src/effects/faulty.ts';
import { redacted } from '../../../src/effects/secret.ts';
import type { Accelerator, AcceleratorChoice, HostEffects, Resource } from '../../../machines/host/ports.ts';
import { finalState, plan, startHost, statePath, visitedStates, workingWorld, type HostRun } from '../../support/host-run.ts';
import { graphTransitions, rememberTransitions } from '../../support/graph-transitions.ts';

const loop: Resource = { kind: 'loop', id: '/dev/loop7' };
const tempdir: Resource = { kind: 'tempdir', id: '/tmp/w' };

/** Every transition the runs of this file took, as "from -> to". */
const observed = new Set<string>();
const remember = (run: HostRun) => rememberTransitions(observed, run.trace, statePath);

async function deploy(effects: HostEffects) {
  const run = startHost(effects);
  const output = await run.finish();
  remember(run);
  return { run, output };
}

describe('host machine', () => {
  it('deploys, reports each phase and releases what it took in reverse order', async () => {
    const world = workingWorld();
    const { run, output } = await deploy(world.effects);
    assert.equal(finalState(run), 'done');
    assert.equal(output.ok, true);
    assert.deepEqual(output.copy, { bytes: 4096, seconds: 1 });
    assert.deepEqual(world.released, [tempdir, loop]);
    assert.deepEqual(
      run.reports.map((r) => r.type === 'image-info' ? (r.messages as string[])[0] : `${r.type}${r.subtype ? `:${String(r.subtype)}` : ''}`),
      [
        'Starting image copy...',
        'image-copy-progress',
        'Image copy finished.',
        'Starting customization VM...',
        'image-helper:task-start',
        'image-helper:task-end',
        'Checking customization status...',
        'Image customization finished successfully.',
      ],
    );
    assert.deepEqual(visitedStates(run.trace).slice(0, 8), [
      'deploying.validating',
      'deploying.selectingBackends',
      'deploying.attachingDestination',
      'deploying.copying',
      'deploying.copying',
      'deploying.writingConfigDevice',
      'deploying.choosingAccelerator',
      'deploying.runningHelper.waiting',
    ]);
  });

  const steps: { effect: keyof HostEffects; step: string; released: Resource[] }[] = [
    { effect: 'validate', step: 'validating', released: [] },
    { effect: 'selectBackends', step: 'selectingBackends', released: [] },
    { effect: 'attachDestination', step: 'attachingDestination', released: [] },
    { effect: 'copyImage', step: 'copying', released: [loop] },
    { effect: 'writeConfigDevice', step: 'writingConfigDevice', released: [loop] },
    { effect: 'chooseAccelerator', step: 'choosingAccelerator', released: [tempdir, loop] },
    { effect: 'runHelper', step: 'runningHelper', released: [tempdir, loop] },
    { effect: 'readResult', step: 'checkingResult', released: [tempdir, loop] },
  ];

  for (const { effect, step, released } of steps) {
    it(`fails in ${step} when ${effect} fails, and releases what was taken`, async () => {
      const world = workingWorld();
      const { run, output } = await deploy(injectFault(world.effects, { effect, call: 1, fault: 'fail', message: `${effect} broke` }));
      assert.equal(finalState(run), 'failed');
      assert.deepEqual(output.failure, { step, message: `${effect} broke`, kind: 'InjectedFault' });
      assert.deepEqual(world.released, released);
    });

    if (effect === 'runHelper') continue; // a helper that hangs is the timeout case below
    it(`waits on a hung ${effect} until the deployment is aborted, then releases what was taken`, async () => {
      const world = workingWorld();
      const run = startHost(injectFault(world.effects, { effect, call: 1, fault: 'hang' }));
      await run.clock.advance(3600_000);
      assert.equal(statePath(run.actor.getSnapshot().value), `deploying.${step}`);
      run.actor.send({ type: 'deployment.abort', reason: 'SIGTERM received' });
      const output = await run.finish();
      remember(run);
      assert.equal(finalState(run), 'failed');
      assert.deepEqual(output.failure, { step: 'deploying', message: 'aborted: SIGTERM received', kind: 'Aborted' });
      assert.deepEqual(world.released, released);
      const result = run.trace.find((e) => e.kind === 'effect.result' && e.effect === effect);
      assert.ok(result && result.kind === 'effect.result' && !result.outcome.ok && result.outcome.error.name === 'AbortedError', 'the hung effect was aborted');
    });
  }

  it('hands each effect its part of the plan, not the whole of it', async () => {
    const { run } = await deploy(workingWorld().effects);
    const inputs = Object.fromEntries(run.trace.flatMap((e) => (e.kind === 'effect.call' ? [[e.effect, e.input]] : [])));
    assert.deepEqual(inputs.selectBackends, { imageId: plan.image.id, disk: plan.disk, config: plan.backends });
    assert.deepEqual(inputs.attachDestination, { backend: 'local', path: '/dev/vg/disk0' });
    assert.deepEqual(inputs.copyImage, { image: plan.image, source: 'local', target: '/dev/loop7', config: plan.backends });
    // As a trace holds it: JSON, where an unset UNATTEND is no key at all.
    assert.deepEqual(inputs.writeConfigDevice, redacted(plan.configDevice));
    assert.deepEqual(inputs.chooseAccelerator, plan.helper.boot);
    assert.deepEqual(inputs.runHelper, { helper: plan.helper, accelerator: 'kvm', target: '/dev/loop7', configDevice: '/tmp/w/config.img', resultChannel: '/tmp/w/result' });
  });

  it('terminates a helper that does not finish on time, and reports it', async () => {
    const world = workingWorld();
    const run = startHost({
      ...world.effects,
      runHelper: world.stuckHelper,
      signalHelper: async ({ signal }) => {
        world.signals.push(signal);
      },
    });
    await run.clock.advance(plan.helperTimeouts.softMs - 1);
    assert.deepEqual(world.signals, [], 'nothing is signalled before the soft timeout');
    await run.clock.advance(1);
    assert.deepEqual(world.signals, ['SIGTERM']);
    world.exitStuckHelper({ exitCode: null, signal: 'SIGTERM' });
    const output = await run.finish();
    remember(run);
    assert.deepEqual(world.signals, ['SIGTERM'], 'no SIGKILL for a helper that obeyed SIGTERM');
    assert.equal(finalState(run), 'failed');
    assert.deepEqual(output.failure, { step: 'runningHelper', message: 'Image customization failed. Did not finish on time.', kind: 'HelperTimeout' });
    assert.deepEqual(world.released, [tempdir, loop]);
  });

  it('kills a helper that ignores SIGTERM once the hard timeout passes', async () => {
    const world = workingWorld();
    const { run, output } = await deploy({ ...world.effects, runHelper: world.stuckHelper });
    assert.deepEqual(world.signals, ['SIGTERM', 'SIGKILL']);
    assert.equal(run.clock.now(), plan.helperTimeouts.softMs + plan.helperTimeouts.hardMs);
    assert.equal(finalState(run), 'failed');
    assert.deepEqual(output.failure, { step: 'runningHelper', message: 'Image customization failed. Did not finish on time.', kind: 'HelperTimeout' });
    assert.deepEqual(output.helperExit, { exitCode: null, signal: 'SIGKILL' });
    assert.deepEqual(world.released, [tempdir, loop]);
  });

  it('kills the helper when SIGTERM cannot be delivered', async () => {
    const world = workingWorld();
    const effects = injectFault({ ...world.effects, runHelper: world.stuckHelper }, { effect: 'signalHelper', call: 1, fault: 'fail' });
    const { run } = await deploy(effects);
    assert.equal(run.clock.now(), plan.helperTimeouts.softMs, 'SIGKILL follows at once');
    assert.equal(finalState(run), 'failed');
  });

  it('moves on to SIGKILL when sending SIGTERM hangs', async () => {
    const world = workingWorld();
    const effects = injectFault({ ...world.effects, runHelper: world.stuckHelper }, { effect: 'signalHelper', call: 1, fault: 'hang' });
    const { run, output } = await deploy(effects);
    assert.deepEqual(world.signals, ['SIGKILL'], 'the hung SIGTERM never counted; SIGKILL followed');
    assert.equal(run.clock.now(), plan.helperTimeouts.softMs + plan.helperTimeouts.hardMs);
    assert.equal(output.failure?.kind, 'HelperTimeout');
    assert.deepEqual(world.released, [tempdir, loop]);
  });

  it('gives up on a helper that survives SIGKILL, and still releases everything', async () => {
    const world = workingWorld();
    const { run, output } = await deploy({ ...world.effects, runHelper: world.stuckHelper, signalHelper: async () => {} });
    assert.equal(finalState(run), 'failed');
    assert.match(output.failure!.message, /could not be stopped/);
    assert.deepEqual(world.aborted, ['runHelper']);
    assert.deepEqual(world.released, [{ kind: 'process', id: '4242' }, tempdir, loop]);
  });

  it('fails when the helper exits non-zero, quoting the result channel', async () => {
    const world = workingWorld();
    const { run, output } = await deploy({
      ...world.effects,
      runHelper: async (_i, ctx) => {
        ctx.emit({ type: 'helper.started', pid: 7 });
        return { exitCode: 1, signal: null };
      },
      readResult: async () => ({ firstLine: 'ERROR: MountImage: no root partition' }),
    });
    assert.equal(finalState(run), 'failed');
    assert.equal(output.failure?.message, 'Customization VM died unexpectedly (exit code 1); result channel: ERROR: MountImage: no root partition');
  });

  it('goes on when the helper breaks the monitor protocol, and says so', async () => {
    const world = workingWorld();
    const { run, output } = await deploy({
      ...world.effects,
      runHelper: async (_i, ctx) => {
        ctx.emit({ type: 'helper.started', pid: 7 });
        ctx.emit({ type: 'helper.monitorFailed', error: { name: 'MonitorProtocolError', message: 'line 101: more than 100 lines' } });
        return { exitCode: 0, signal: null };
      },
    });
    assert.equal(output.ok, true);
    assert.ok(run.reports.some((r) => r.type === 'image-info' && (r.messages as string[])[0] === 'Helper monitor channel ignored from now on: line 101: more than 100 lines'));
  });

  it('fails when the helper exits cleanly without writing SUCCESS', async () => {
    const world = workingWorld();
    const { run, output } = await deploy({ ...world.effects, readResult: async () => ({ firstLine: 'ERROR: ChangePassword: user root not found' }) });
    assert.equal(finalState(run), 'failed');
    assert.deepEqual(output.failure, {
      step: 'checkingResult',
      message: 'Image customization failed: ERROR: ChangePassword: user root not found',
      kind: 'HelperFailed',
    });
    assert.deepEqual(world.released, [tempdir, loop]);
  });

  it('retries a failing release with doubling waits, then succeeds', async () => {
    const world = workingWorld();
    let attempts = 0;
    const times: number[] = [];
    let clockNow = () => 0;
    const { run, output } = await (async () => {
      const r = startHost({
        ...world.effects,
        releaseResource: async (resource) => {
          if (resource.kind === 'tempdir' && attempts++ < 3) {
            times.push(clockNow());
            throw new Error('umount: target is busy');
          }
          world.released.push(resource);
        },
      });
      clockNow = () => r.clock.now();
      return { run: r, output: await r.finish() };
    })();
    remember(run);
    assert.equal(output.ok, true);
    assert.deepEqual(world.released, [tempdir, loop]);
    assert.deepEqual(times, [0, 250, 750]);
  });

  it('gives up on a release that keeps failing, reports it and releases the rest', async () => {
    const world = workingWorld();
    let attempts = 0;
    const { run, output } = await deploy({
      ...world.effects,
      releaseResource: async (resource) => {
        if (resource.kind === 'tempdir') {
          attempts += 1;
          throw new Error('rm: Device or resource busy');
        }
        world.released.push(resource);
      },
    });
    assert.equal(attempts, RELEASE_RETRIES + 1);
    assert.equal(finalState(run), 'failed');
    assert.equal(output.failure, undefined, 'the deployment itself worked');
    assert.deepEqual(output.unreleased, [{ resource: tempdir, message: 'rm: Device or resource busy' }]);
    assert.deepEqual(world.released, [loop]);
  });

  it('counts a release that hangs as a failed attempt', async () => {
    const world = workingWorld();
    const { run, output } = await deploy({
      ...world.effects,
      releaseResource: async (resource, ctx) => {
        if (resource.kind === 'tempdir') return new Promise<void>((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted'))));
        world.released.push(resource);
      },
    });
    assert.equal(finalState(run), 'failed');
    assert.deepEqual(output.unreleased, [{ resource: tempdir, message: 'no answer in time' }]);
    assert.deepEqual(world.released, [loop]);
  });

  it('ignores an abort once it is releasing', async () => {
    const world = workingWorld();
    const run = startHost(injectFault(world.effects, { effect: 'releaseResource', call: 1, fault: 'fail' }));
    await run.clock.runUntil(() => statePath(run.actor.getSnapshot().value) === 'releasing.waitingToRetry');
    run.actor.send({ type: 'deployment.abort', reason: 'SIGINT' });
    const output = await run.finish();
    assert.equal(output.ok, true);
    assert.deepEqual(world.released, [tempdir, loop]);
  });

  describe('when the helper does not boot', () => {
    const auto: AcceleratorChoice = { accelerator: 'kvm', fallbackToTcg: true, reason: 'KVM probe: the helper kernel ran the probe init' };
    const explicit = (accelerator: Accelerator): AcceleratorChoice => ({ accelerator, fallbackToTcg: false, reason: `HELPER_ACCEL is ${accelerator}` });

    /**
     * The first helper VM stays silent (whatever `first` makes it say) until
     * SIGKILL ends it; the next ones work. Notes each VM's accelerator, the
     * signals sent and what was marked bad.
     */
    function silentFirstHelper(choice: AcceleratorChoice, first: (ctx: EffectContext) => void = () => {}) {
      const world = workingWorld();
      const accelerators: Accelerator[] = [];
      const marked: { accelerator: Accelerator; reason: string }[] = [];
      let killFirst: () => void = () => {};
      const effects: HostEffects = {
        ...world.effects,
        chooseAccelerator: async () => choice,
        markAcceleratorBad: async ({ accelerator, reason }) => {
          marked.push({ accelerator, reason });
        },
        runHelper: (input, ctx) => {
          accelerators.push(input.accelerator);
          if (accelerators.length > 1) return world.effects.runHelper(input, ctx);
          return new Promise((resolve, reject) => {
            ctx.emit({ type: 'helper.started', pid: 4242 });
            first(ctx);
            killFirst = () => resolve({ exitCode: null, signal: 'SIGKILL' });
            untilAborted(ctx.signal, 'runHelper').catch(reject);
          });
        },
        signalHelper: async ({ signal }) => {
          world.signals.push(signal);
          if (signal === 'SIGKILL') killFirst();
        },
      };
      return { world, effects, accelerators, marked };
    }

    it('kills a helper silent under KVM at HELPER_BOOT_TIMEOUT, marks KVM bad and starts it again under TCG, with a warning (auto)', async () => {
      const { world, effects, accelerators, marked } = silentFirstHelper(auto);
      const run = startHost(effects);
      await run.clock.advance(plan.helperTimeouts.bootMs - 1);
      assert.deepEqual(world.signals, [], 'nothing is signalled before the boot deadline');
      const output = await run.finish();
      remember(run);
      assert.equal(run.clock.now(), plan.helperTimeouts.bootMs, 'the second helper starts at the deadline');
      assert.deepEqual(world.signals, ['SIGKILL']);
      assert.deepEqual(accelerators, ['kvm', 'tcg']);
      assert.deepEqual(marked, [{ accelerator: 'kvm', reason: 'no sign of life within HELPER_BOOT_TIMEOUT, 60 s' }]);
      assert.ok(
        run.reports.some(
          (r) => r.type === 'image-helper' && r.subtype === 'warning' && /did not boot under KVM \(no sign of life within HELPER_BOOT_TIMEOUT, 60 s\); starting it again under TCG/.test((r.messages as string[])[0]!),
        ),
        'the monitor hears why',
      );
      assert.equal(output.ok, true);
      assert.deepEqual(world.released, [tempdir, loop], 'the killed VM is not released twice');
      assert.ok(run.trace.some((e) => e.kind === 'effect.call' && e.effect === 'markAcceleratorBad'), 'the trace shows the fallback');
    });

    it('falls back at once when qemu reports a KVM internal error', async () => {
      const { effects, accelerators, marked } = silentFirstHelper(auto, (ctx) => ctx.emit({ type: 'helper.acceleratorFailed', line: 'KVM internal error. Suberror: 1' }));
      const run = startHost(effects);
      const output = await run.finish();
      remember(run);
      assert.equal(run.clock.now(), 0, 'no wait for the deadline');
      assert.deepEqual(accelerators, ['kvm', 'tcg']);
      assert.deepEqual(marked, [{ accelerator: 'kvm', reason: 'qemu reported "KVM internal error. Suberror: 1"' }]);
      assert.equal(output.ok, true);
    });

    it('leaves a helper alone that showed a sign of life, however long it takes to boot', async () => {
      const { world, effects } = silentFirstHelper(auto, (ctx) => ctx.emit({ type: 'helper.alive' }));
      const run = startHost(effects);
      await run.clock.advance(plan.helperTimeouts.softMs - 1);
      assert.deepEqual(world.signals, []);
      assert.equal(statePath(run.actor.getSnapshot().value), 'deploying.runningHelper.waiting');
    });

    it('fails naming HELPER_BOOT_TIMEOUT when the helper stays silent under HELPER_ACCEL=kvm', async () => {
      const { world, effects, accelerators, marked } = silentFirstHelper(explicit('kvm'));
      const run = startHost(effects);
      const output = await run.finish();
      remember(run);
      assert.equal(run.clock.now(), plan.helperTimeouts.bootMs);
      assert.deepEqual(world.signals, ['SIGKILL']);
      assert.deepEqual(accelerators, ['kvm'], 'no second helper');
      assert.deepEqual(marked, []);
      assert.equal(output.failure?.kind, 'HelperBootTimeout');
      assert.match(output.failure!.message, /no sign of life within HELPER_BOOT_TIMEOUT \(60 s\) under KVM: .*set HELPER_ACCEL to auto/);
      assert.deepEqual(world.released, [tempdir, loop]);
    });

    it('gives a silent helper under TCG until the soft timeout: the boot deadline is about KVM', async () => {
      const { world, effects } = silentFirstHelper(explicit('tcg'));
      const run = startHost(effects);
      await run.clock.advance(plan.helperTimeouts.softMs - 1);
      assert.deepEqual(world.signals, []);
      assert.equal(statePath(run.actor.getSnapshot().value), 'deploying.runningHelper.waiting');
    });

    it('fails at once on a KVM internal error under HELPER_ACCEL=kvm, naming the setting', async () => {
      const { effects, accelerators } = silentFirstHelper(explicit('kvm'), (ctx) => ctx.emit({ type: 'helper.acceleratorFailed', line: 'KVM internal error. Suberror: 1' }));
      const run = startHost(effects);
      const output = await run.finish();
      remember(run);
      assert.equal(run.clock.now(), 0);
      assert.deepEqual(accelerators, ['kvm']);
      assert.deepEqual(output.failure, {
        step: 'runningHelper',
        message: 'qemu reported "KVM internal error. Suberror: 1": KVM cannot run the customization VM on this node; set HELPER_ACCEL to auto or tcg.',
        kind: 'AcceleratorFailed',
      });
    });

    it('does not start a helper again once it ran: a KVM error mid-run fails the run', async () => {
      const { accelerators, effects } = silentFirstHelper(auto, (ctx) => {
        ctx.emit({ type: 'helper.alive' });
        ctx.emit({ type: 'helper.acceleratorFailed', line: 'KVM internal error. Suberror: 3' });
      });
      const { output } = await deploy(effects);
      assert.deepEqual(accelerators, ['kvm'], 'the disk may be half customized: no second helper');
      assert.equal(output.failure?.kind, 'AcceleratorFailed');
    });

    it('goes on under TCG when remembering the bad accelerator fails', async () => {
      const { effects, accelerators } = silentFirstHelper(auto);
      const { output } = await deploy(injectFault(effects, { effect: 'markAcceleratorBad', call: 1, fault: 'fail' }));
      assert.deepEqual(accelerators, ['kvm', 'tcg']);
      assert.equal(output.ok, true);
    });

    it('waits on a hung markAcceleratorBad until the deployment is aborted, then releases what was taken', async () => {
      const { world, effects, accelerators } = silentFirstHelper(auto);
      const run = startHost(injectFault(effects, { effect: 'markAcceleratorBad', call: 1, fault: 'hang' }));
      await run.clock.advance(3600_000);
      assert.equal(statePath(run.actor.getSnapshot().value), 'deploying.markingAcceleratorBad');
      run.actor.send({ type: 'deployment.abort', reason: 'SIGTERM received' });
      const output = await run.finish();
      remember(run);
      assert.deepEqual(accelerators, ['kvm']);
      assert.deepEqual(output.failure, { step: 'deploying', message: 'aborted: SIGTERM received', kind: 'Aborted' });
      assert.deepEqual(world.released, [tempdir, loop]);
    });

    it('gives up on a silent helper that survives SIGKILL, and still releases everything', async () => {
      const { world, effects } = silentFirstHelper(auto);
      const { run, output } = await deploy({ ...effects, signalHelper: async () => {} });
      assert.equal(run.clock.now(), plan.helperTimeouts.bootMs + plan.helperTimeouts.hardMs);
      assert.match(output.failure!.message, /could not be stopped/);
      assert.deepEqual(world.released, [{ kind: 'process', id: '4242' }, tempdir, loop]);
    });
  });

  it('every transition xstate/graph finds in the machine was taken by a test above', () => {
    const outputs: Record<string, unknown> = {
      validate: plan,
      selectBackends: { source: { backend: 'local' }, destination: { backend: 'local', path: '/d' } },
      attachDestination: { target: '/d', resources: [loop] },
      copyImage: { bytes: 1, seconds: 1 },
      writeConfigDevice: { configDevice: '/c', resultChannel: '/r', resources: [tempdir] },
      chooseAccelerator: { accelerator: 'kvm', fallbackToTcg: true, reason: 'probe' },
      markAcceleratorBad: undefined,
      runHelper: { exitCode: 0, signal: null },
      readResult: { firstLine: 'SUCCESS' },
    };
    const events = (snapshot: { value: unknown; context: { helperPid?: number } }) => {
      const state = statePath(snapshot.value);
      const delays = ['bootTimeout', 'softTimeout', 'hardTimeout', 'releaseBackoff', 'releaseTimeout'];
      const stateId = `host.${state}`;
      return [
        ...Object.entries(outputs).flatMap(([id, output]) => [
          { type: `xstate.done.actor.${id}`, output },
          { type: `xstate.error.actor.${id}`, error: new Error('x') },
        ]),
        ...(state.startsWith('deploying.runningHelper')
          ? [
              { type: 'xstate.done.actor.runHelper', output: { exitCode: 1, signal: null } },
              { type: 'xstate.error.actor.signalHelper', error: new Error('x') },
              { type: 'helper.alive' },
              { type: 'helper.acceleratorFailed', line: 'KVM internal error' },
            ]
          : []),
        ...(state === 'deploying.checkingResult' ? [{ type: 'xstate.done.actor.readResult', output: { firstLine: 'ERROR: x' } }] : []),
        { type: 'xstate.done.actor.releaseResource', output: undefined },
        { type: 'xstate.error.actor.releaseResource', error: new Error('x') },
        ...delays.map((d) => ({ type: `xstate.after.${d}.${stateId}` })),
        { type: 'deployment.abort', reason: 'test' },
      ];
    };
    const edges = graphTransitions(hostMachine, { events }, statePath);
    assert.ok(edges.size >= 20, `the graph has ${edges.size} transitions`);
    const untested = [...edges].filter((e) => !observed.has(e)).sort();
    assert.deepEqual(untested, [], 'transitions no test took');
  });
});

