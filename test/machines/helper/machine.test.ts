import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getShortestPaths } from 'xstate/graph';
import { helperMachine } from '../../../machines/helper/machine.ts';
import { injectFault, type Fault } from '../../../src/effects/faulty.ts';
import { HELPER_EFFECTS, type HelperEffects } from '../../../machines/helper/ports.ts';
import { replayHelperTrace, transitionStates } from '../../helper/support/replay-helper.ts';
import { CONFIG_MOUNT, GUEST_MOUNTS, startHelperRun, statePath, TASK_TABLE, workingWorld } from '../../helper/support/helper-world.ts';
import { graphTransitions, rememberTransitions } from '../../support/graph-transitions.ts';

/** Every transition the runs of this file took, as "from -> to". */
const observed = new Set<string>();

async function deploy(effects: HelperEffects, input = {}) {
  const run = startHelperRun(effects, input);
  const output = await run.finish();
  rememberTransitions(observed, run.trace, statePath);
  return { run, output };
}

const HAPPY_MONITOR = [
  'TASK_START:FixPartitionTable',
  'TASK_END:FixPartitionTable',
  'TASK_START:MountImage',
  'TASK_END:MountImage',
  'TASK_START:AssignHostname',
  'WARNING: PROPERTY_USERS is not set; task AssignHostname goes on without it',
  'WARNING: hostname set to vm1.example.org',
  'TASK_END:AssignHostname',
  'TASK_START:UmountImage',
  'TASK_END:UmountImage',
];

describe('helper machine', () => {
  it('runs every task in order, reports each, writes SUCCESS and powers off', async () => {
    const world = workingWorld();
    const { run, output } = await deploy(world.effects);
    assert.equal(output.result, 'SUCCESS');
    assert.deepEqual(world.result, ['SUCCESS']);
    assert.deepEqual(world.monitor, HAPPY_MONITOR);
    assert.deepEqual(world.ran, TASK_TABLE.map((t) => t.name));
    assert.deepEqual(world.unmounted, [...world.mounted].reverse());
    assert.equal(world.poweredOff, 1);
    assert.equal(run.actor.getSnapshot().value, 'off');
    assert.ok(!JSON.stringify(run.trace).includes('s3cret'), 'the password never reaches the trace');
  });

  it('replays a recorded failing run to the same transitions, with no effect run for real', async () => {
    const world = workingWorld();
    const { run, output } = await deploy(injectFault(world.effects, { effect: 'runTask', call: 3, fault: 'fail', message: 'task broke' }));
    const replayed = await replayHelperTrace(run.trace, TASK_TABLE);
    assert.deepEqual(replayed.divergences, []);
    assert.deepEqual(replayed.unplayed, []);
    assert.deepEqual(replayed.states, transitionStates(run.trace));
    assert.deepEqual(replayed.output, output);
  });

  it('autodetects missing OSFAMILY and ROOT_PARTITION and says so', async () => {
    const world = workingWorld({});
    await deploy(world.effects);
    assert.deepEqual(world.monitor.slice(0, 4), [
      'WARNING: Needed image properties are missing. Autodetecting them...',
      'WARNING: Detected OSFAMILY: linux',
      'WARNING: Detected ROOT_PARTITION: 2',
      'TASK_START:FixPartitionTable',
    ]);
    assert.deepEqual(world.result, ['SUCCESS']);
  });

  it('warns about an odd EXCLUDE_ALL_TASKS value and reads it as yes, as check_yes_no does', async () => {
    const world = workingWorld({ EXCLUDE_ALL_TASKS: 'please' });
    await deploy(world.effects);
    assert.deepEqual(world.monitor, [
      'WARNING: Invalid value "please" for EXCLUDE_ALL_TASKS; treating it as YES',
      'WARNING: EXCLUDE_ALL_TASKS is set. No task will run; the image is left as it was copied.',
    ]);
  });

  it('runs no task and does not look at the disk when EXCLUDE_ALL_TASKS is set', async () => {
    const world = workingWorld({ exclude_all_tasks: 'yes' });
    await deploy(world.effects);
    assert.deepEqual(world.monitor, ['WARNING: EXCLUDE_ALL_TASKS is set. No task will run; the image is left as it was copied.']);
    assert.deepEqual(world.ran, []);
    assert.deepEqual(world.result, ['SUCCESS']);
    assert.deepEqual(world.unmounted, [CONFIG_MOUNT]);
  });

  it('reports an excluded task as started and ended with a warning, without running it', async () => {
    const world = workingWorld({ OSFAMILY: 'linux', ROOT_PARTITION: 1, EXCLUDE_TASK_AssignHostname: true });
    await deploy(world.effects);
    assert.deepEqual(world.monitor.slice(4, 7), [
      'TASK_START:AssignHostname',
      'WARNING: Task AssignHostname was excluded and will not run.',
      'TASK_END:AssignHostname',
    ]);
    assert.ok(!world.ran.includes('AssignHostname'));
    assert.deepEqual(world.result, ['SUCCESS']);
  });

  it('finishes with SUCCESS when no task is for the OS family', async () => {
    const world = workingWorld({ OSFAMILY: 'netbsd', ROOT_PARTITION: 1 });
    await deploy(world.effects);
    assert.deepEqual(world.ran, []);
    assert.deepEqual(world.result, ['SUCCESS']);
  });

  it('fails before any task runs when the family lacks a task the deployment asks for, naming both', async () => {
    const world = workingWorld({ OSFAMILY: 'openbsd', ROOT_PARTITION: 1 });
    const { output } = await deploy(world.effects);
    const error = 'ERROR: AssignHostname: task AssignHostname is not implemented for OSFAMILY openbsd and the deployment sets HOSTNAME: no task ran; exclude the task with EXCLUDE_TASK_ASSIGNHOSTNAME=yes or EXCLUDE_MOUNTED_TASKS=yes to deploy without it';
    assert.equal(output.result, error);
    assert.deepEqual(world.result, [error]);
    assert.deepEqual(world.monitor, [error]);
    assert.deepEqual(world.ran, []);
    assert.deepEqual(world.unmounted, [...world.mounted].reverse());
    assert.equal(world.poweredOff, 1);
  });

  it('lets the family go without the task when the image excludes it', async () => {
    const world = workingWorld({ OSFAMILY: 'openbsd', ROOT_PARTITION: 1, EXCLUDE_TASK_ASSIGNHOSTNAME: 'yes' });
    await deploy(world.effects);
    assert.deepEqual(world.ran, []);
    assert.deepEqual(world.result, ['SUCCESS']);
  });

  it('succeeds with no task table at all', async () => {
    const world = workingWorld();
    await deploy(world.effects, { tasks: [] });
    assert.deepEqual(world.monitor, []);
    assert.deepEqual(world.result, ['SUCCESS']);
  });

  it('fails a task that lacks a required value, naming it, and unmounts in reverse order', async () => {
    const world = workingWorld();
    const readRules = world.effects.readRules;
    const effects: HelperEffects = {
      ...world.effects,
      readRules: async (input, ctx) => {
        const rules = await readRules(input, ctx);
        const { HOSTNAME: _dropped, ...env } = rules.env;
        return { ...rules, env };
      },
    };
    await deploy(effects);
    const error = 'ERROR: AssignHostname: task AssignHostname needs HOSTNAME, which is not set';
    assert.deepEqual(world.result, [error]);
    assert.equal(world.monitor.at(-1), error);
    assert.deepEqual(world.unmounted, [GUEST_MOUNTS[1], GUEST_MOUNTS[0], CONFIG_MOUNT]);
  });

  it('names img_properties when it is not JSON', async () => {
    const world = workingWorld();
    const effects: HelperEffects = {
      ...world.effects,
      readRules: async (input, ctx) => ({ ...(await world.effects.readRules(input, ctx)), env: { PROPERTIES: '{"OSFAMILY": linux}' } }),
    };
    await deploy(effects);
    assert.match(world.result[0]!, /^ERROR: DecodeProperties: img_properties is not valid JSON \(.*\): give a JSON object such as \{"OSFAMILY": "linux"\}$/);
    assert.deepEqual(world.unmounted, [CONFIG_MOUNT]);
  });

  it('names inst_properties when it is not a JSON object, with no config device mounted', async () => {
    const world = workingWorld({}, { configMount: false });
    const effects: HelperEffects = {
      ...world.effects,
      readRules: async (input, ctx) => ({ ...(await world.effects.readRules(input, ctx)), env: { PROPERTIES: '{}', INST_PROPERTIES: '[1]' } }),
    };
    await deploy(effects);
    assert.deepEqual(world.result, ['ERROR: DecodeProperties: inst_properties must be a JSON object such as {"OSFAMILY": "linux"}, not an array']);
    assert.deepEqual(world.unmounted, []);
  });

  it('fails when the last warnings cannot be written', async () => {
    const world = workingWorld({ exclude_all_tasks: 'yes' }, { configMount: false });
    await deploy(injectFault(world.effects, { effect: 'writeMonitor', call: 1, fault: 'fail' }));
    assert.deepEqual(world.result, ['ERROR: ReportProgress: injected failure of writeMonitor (call 1)']);
  });

  it('rejects an unknown OSFAMILY', async () => {
    const world = workingWorld({ OSFAMILY: 'plan9', ROOT_PARTITION: 1 });
    await deploy(world.effects);
    assert.deepEqual(world.result, [
      'ERROR: DetectImageProperties: OSFAMILY "plan9" is not supported: use one of linux, windows, windows-legacy, freebsd, openbsd, netbsd',
    ]);
  });

  it('rejects a ROOT_PARTITION that is not a number', async () => {
    const world = workingWorld({ OSFAMILY: 'linux', ROOT_PARTITION: 'first' });
    await deploy(world.effects);
    assert.deepEqual(world.result, ['ERROR: DetectImageProperties: ROOT_PARTITION "first" is not a partition number: give the number, e.g. 1']);
  });

  it('fails when detection finds no OSFAMILY', async () => {
    const world = workingWorld({});
    await deploy({ ...world.effects, detect: async () => ({ resizePartition: 1 }) });
    assert.deepEqual(world.result, ['ERROR: DetectImageProperties: OSFAMILY is not set and could not be detected: set the OSFAMILY image property']);
  });

  it('fails when detection finds no root partition', async () => {
    const world = workingWorld({});
    await deploy({ ...world.effects, detect: async () => ({ osFamily: 'linux', resizePartition: 1 }) });
    assert.deepEqual(world.result, ['ERROR: DetectImageProperties: ROOT_PARTITION is not set and could not be detected: set the ROOT_PARTITION image property']);
  });

  it('reports a failing task with the stderr tail of its command', async () => {
    const world = workingWorld();
    const runTask = world.effects.runTask;
    const effects: HelperEffects = {
      ...world.effects,
      runTask: async (input, ctx) => {
        if (input.task !== 'AssignHostname') return runTask(input, ctx);
        ctx.emit({ type: 'helper.stderr', lines: ['first line', 'second line'] });
        throw new Error('hostname failed with exit code 1\nmore detail');
      },
    };
    await deploy(effects);
    assert.deepEqual(world.result, ['ERROR: AssignHostname: hostname failed with exit code 1']);
    assert.deepEqual(world.monitor.slice(-3), ['ERROR: AssignHostname: hostname failed with exit code 1', 'STDERR:2:first line', 'second line']);
    assert.deepEqual(world.unmounted, [GUEST_MOUNTS[1], GUEST_MOUNTS[0], CONFIG_MOUNT]);
  });

  it('unmounts what a run left mounted before writing SUCCESS', async () => {
    const world = workingWorld({ OSFAMILY: 'linux', ROOT_PARTITION: 1, EXCLUDE_TASK_UmountImage: 'no' });
    const runTask = world.effects.runTask;
    await deploy({ ...world.effects, runTask: async (input, ctx) => (input.task === 'UmountImage' ? { values: {} } : runTask(input, ctx)) });
    assert.deepEqual(world.unmounted, [GUEST_MOUNTS[1], GUEST_MOUNTS[0], CONFIG_MOUNT]);
    assert.deepEqual(world.result, ['SUCCESS']);
  });

  it('sends queued warnings before SUCCESS when no task follows them', async () => {
    const world = workingWorld({ OSFAMILY: 'linux', ROOT_PARTITION: 1, EXCLUDE_MOUNTED_TASKS: 'maybe' });
    const readRules = world.effects.readRules;
    // No config device: nothing is left mounted, so the warnings are flushed on their own.
    await deploy({ ...world.effects, readRules: async (input) => readRules(input, { signal: new AbortController().signal, emit: () => {} }) }, { tasks: [] });
    assert.deepEqual(world.monitor, ['WARNING: Invalid value "maybe" for EXCLUDE_MOUNTED_TASKS; treating it as YES']);
    assert.deepEqual(world.result, ['SUCCESS']);
    const excluded = workingWorld({ exclude_all_tasks: 'yes' }, { configMount: false });
    await deploy(excluded.effects);
    assert.deepEqual(excluded.monitor, ['WARNING: EXCLUDE_ALL_TASKS is set. No task will run; the image is left as it was copied.']);
    assert.deepEqual(excluded.result, ['SUCCESS']);
  });

  it('unmounts the config device when the rules on it are not valid', async () => {
    const world = workingWorld();
    const readRules = world.effects.readRules;
    await deploy({
      ...world.effects,
      readRules: async (input, ctx) => {
        await readRules(input, ctx);
        throw new Error('rules.json: version must be 1');
      },
    });
    assert.deepEqual(world.result, ['ERROR: ReadRules: rules.json: version must be 1']);
    assert.deepEqual(world.unmounted, [CONFIG_MOUNT]);
  });

  it('reports a failure of the last unmount even when it got everything unmounted', async () => {
    const world = workingWorld();
    const unmountAll = world.effects.unmountAll;
    await deploy({
      ...world.effects,
      unmountAll: async (input, ctx) => {
        await unmountAll(input, ctx);
        throw new Error(`rmdir ${CONFIG_MOUNT}: busy`);
      },
    });
    assert.deepEqual(world.result, [`ERROR: UnmountLeftovers: rmdir ${CONFIG_MOUNT}: busy`]);
  });

  // The happy run's calls of each effect; a fault at each one of them in turn.
  const stepOf = (effect: string, call: number): string | undefined =>
    ({
      readRules: 'ReadRules',
      detect: 'DetectImageProperties',
      runTask: TASK_TABLE[call - 1]?.name,
      writeMonitor: 'ReportProgress',
      writeResult: 'ReportResult',
      unmountAll: 'UnmountLeftovers',
    })[effect];

  for (const configMount of [true, false])
  for (const fault of ['fail', 'hang'] as Fault[]) {
    const happyCalls: Record<string, number> = { readRules: 1, detect: 1, runTask: 4, writeMonitor: 8, writeResult: 1, unmountAll: configMount ? 1 : 0, powerOff: 1 };
    for (const effect of HELPER_EFFECTS) {
      for (let call = 1; call <= happyCalls[effect]!; call++) {
        it(`${fault === 'fail' ? 'fails' : 'hangs'} at ${effect} call ${call}${configMount ? '' : ' (no config device)'}: reports it, unmounts in reverse order and powers off`, async () => {
          const world = workingWorld(undefined, { configMount });
          const { run } = await deploy(injectFault(world.effects, { effect, call, fault, message: `${effect} broke` }));
          assert.equal(run.actor.getSnapshot().value, 'off');
          assert.deepEqual(world.unmounted, [...world.mounted].reverse(), 'everything mounted was unmounted, in reverse order');
          const step = stepOf(effect, call);
          if (step === undefined) {
            assert.deepEqual(world.result, ['SUCCESS'], 'a power-off that fails or hangs comes after SUCCESS');
            return;
          }
          const reason = fault === 'fail' ? `${effect} broke` : `did not finish within ${['runTask', 'detect', 'unmountAll'].includes(effect) ? '900' : '30'} s`;
          const error = `ERROR: ${step}: ${reason}`;
          assert.deepEqual(world.result, [error]);
          assert.equal(world.monitor.at(-1), error);
        });
      }
    }
  }

  it('passes over a cleanup step that fails or hangs and still powers off', async () => {
    for (const fault of ['fail', 'hang'] as Fault[]) {
      for (const [effect, call] of [['unmountAll', 1], ['writeMonitor', 6], ['writeResult', 1]] as const) {
        const world = workingWorld();
        const failingTask = injectFault(world.effects, { effect: 'runTask', call: 3, fault: 'fail', message: 'task broke' });
        const { run } = await deploy(injectFault(failingTask, { effect, call, fault }));
        assert.equal(run.actor.getSnapshot().value, 'off', `${fault} at ${effect}`);
        if (effect === 'writeResult') assert.deepEqual(world.result, []);
        else assert.deepEqual(world.result, ['ERROR: AssignHostname: task broke']);
        if (effect === 'unmountAll') assert.ok(world.monitor.includes(fault === 'fail' ? 'WARNING: Unmounting after the failure: injected failure of unmountAll (call 1)' : 'WARNING: Unmounting after the failure did not finish within 900 s'));
      }
    }
  });

  /** The machine's events for path generation: every effect's outcomes, every timer, mounts where effects mount. */
  const graphTraversal = () => {
    const rules = (env: Record<string, string>) => ({ env, devices: ['/dev/vdb'], forcedProperties: {} });
    const outputs: Record<string, unknown[]> = {
      readRules: [rules({ HOSTNAME: 'vm1' }), rules({})],
      decodeProperties: [{ OSFAMILY: 'linux', ROOT_PARTITION: '1' }, {}, { EXCLUDE_ALL_TASKS: 'yes' }, { OSFAMILY: 'plan9', ROOT_PARTITION: '1' }],
      detect: [{ osFamily: 'linux', rootPartition: 1, resizePartition: 1 }, { resizePartition: 1 }],
      runTask: [{ values: { TARGET: '/t' } }],
      writeMonitor: [undefined],
      writeResult: [undefined],
      unmountAll: [undefined],
      powerOff: [undefined],
    };
    const events = (snapshot: { value: unknown; context: { mounts: readonly string[] } }) => {
      const stateId = `helper.${statePath(snapshot.value)}`;
      return [
        ...Object.entries(outputs).flatMap(([id, outs]) => [
          ...outs.map((output) => ({ type: `xstate.done.actor.${id}`, output })),
          { type: `xstate.error.actor.${id}`, error: new Error('x') },
        ]),
        ...['effectTimeout', 'taskTimeout', 'powerOffTimeout'].map((d) => ({ type: `xstate.after.${d}.${stateId}` })),
        // Only reading the rules and running a task mount; only unmounting unmounts.
        ...(['readingRules', 'runningTask'].includes(statePath(snapshot.value)) && snapshot.context.mounts.length === 0 ? [{ type: 'helper.mounted', mountpoint: '/m' }] : []),
        ...(/unmounting|runningTask/i.test(statePath(snapshot.value)) && snapshot.context.mounts.length > 0 ? [{ type: 'helper.unmounted', mountpoint: '/m' }] : []),
      ];
    };
    const traversal = {
      events: events as never,
      input: { tasks: TASK_TABLE },
      serializeState: ((s: { value: unknown; context: { current: number; mounts: readonly string[]; env: Record<string, unknown>; properties: Record<string, string> } }) =>
        JSON.stringify([s.value, s.context.current, s.context.mounts.length, 'TARGET' in s.context.env, 'HOSTNAME' in s.context.env, s.context.properties])) as never,
    };
    return traversal;
  };

  it('every transition xstate/graph finds in the machine was taken by a test above', () => {
    const edges = graphTransitions(helperMachine, graphTraversal(), statePath);
    assert.ok(edges.size >= 30, `the graph has ${edges.size} transitions`);
    const untested = [...edges].filter((e) => !observed.has(e)).sort();
    assert.deepEqual(untested, [], 'transitions no test took');
  });

  it('every state xstate/graph reaches by a shortest path was visited by a test above, and the run ends powered off', () => {
    const paths = getShortestPaths(helperMachine as never, graphTraversal() as never) as unknown as { state: { value: unknown }; steps: { state: { value: unknown } }[] }[];
    const reachable = new Set(paths.map((p) => statePath(p.state.value)));
    for (const path of paths.filter((p) => statePath(p.state.value) === 'off')) {
      const states = path.steps.map((step) => statePath(step.state.value));
      assert.ok(states.includes('poweringOff'), 'every way to the end powers off');
      assert.ok(states.includes('finishing.writingResult') || states.includes('failing.writingError'), `a result is written on the way: ${states.join(' > ')}`);
    }
    const visited = new Set([...observed].flatMap((edge) => edge.split(' -> ')));
    assert.ok(reachable.has('off'));
    assert.deepEqual([...reachable].filter((state) => !visited.has(state)).sort(), [], 'states no test reached');
  });
});
