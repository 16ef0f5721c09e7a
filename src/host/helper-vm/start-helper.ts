import type { HostEffects } from '../../../machines/host/ports.ts';
import type { Processes } from '../../effects/processes.ts';
import type { TraceEvent } from '../../effects/trace.ts';
import type { Logger } from '../../log.ts';
import { createRunHelper } from './helper-vm.ts';
import { MACHINE_KERNEL_ARGS, qemuCommand } from './qemu-command.ts';
import { qemuHasSandbox } from './qemu-sandbox.ts';
import { detectQemuVersion } from './qemu-version.ts';

/**
 * The runHelper effect: the helper's qemu command line for this qemu and
 * machine type, logged as an operator would paste it, then the VM run to
 * its exit.
 */
export function createStartHelper(deps: {
  readonly processes: Processes;
  readonly log: Logger;
  readonly onTrace: (event: TraceEvent) => void;
}): HostEffects['runHelper'] {
  const runHelperProcess = createRunHelper({ log: deps.log, onTrace: deps.onTrace });
  return async ({ helper, accelerator, target, configDevice, resultChannel }, ctx) => {
    const [qemu, ...qemuArgs] = helper.boot.qemu;
    const qemuVersion = await detectQemuVersion(deps.processes, helper.boot.qemu, ctx.signal);
    const sandbox = helper.sandbox && (await qemuHasSandbox(deps.processes, helper.boot.qemu, ctx.signal));
    if (helper.sandbox && !sandbox) deps.log.warn({ qemu }, 'this qemu has no seccomp sandbox (-sandbox with spawn and resourcecontrol): the helper VM runs without it');
    const { machine } = helper.boot;
    const command = qemuCommand({
      qemu: qemu!,
      qemuVersion,
      machine,
      accelerator,
      helperDir: helper.boot.helperDir,
      memoryMiB: helper.boot.memoryMiB,
      user: helper.user,
      sandbox,
      debug: helper.debug,
      diskType: helper.diskType,
      instanceDisks: [target, ...helper.otherDisks],
      configDevice,
      resultPath: resultChannel,
      extraKernelArgs: MACHINE_KERNEL_ARGS[machine] ?? [],
    });
    deps.log.info({ accelerator, machine, command: [command.command, ...command.args].join(' ') }, 'starting the helper VM');
    return runHelperProcess({ command: command.command, args: [...qemuArgs, ...command.args] }, ctx);
  };
}
