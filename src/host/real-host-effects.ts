import { rm } from 'node:fs/promises';
import type { Effect } from '../effects/effect.ts';
import type { Processes } from '../effects/processes.ts';
import type { TraceEvent } from '../effects/trace.ts';
import type { Logger } from '../log.ts';
import type { HostEffects, Resource } from '../../machines/host/ports.ts';
import type { BackendRegistry } from './backends/backend-registry.ts';
import { createPrepareConfigDevice } from './config-device/prepare-config-device.ts';
import { validateCreate } from './create-plan.ts';
import { readResult, signalHelper } from './helper-vm/helper-vm.ts';
import { createStartHelper } from './helper-vm/start-helper.ts';
import { createAcceleratorChoice, DEFAULT_ACCELERATOR_CHOICE, type AcceleratorChoiceOptions } from './helper-vm/accelerator-choice.ts';
import { releasedWhenAborted } from './released-when-aborted.ts';
import { createImageTransferEffects } from './image-transfer.ts';
import type { Environment } from './inputs/deployment-request.ts';

export type { CreatePlan } from './create-plan.ts';

export interface RealHostPorts {
  readonly env: Environment;
  readonly processes: Processes;
  readonly log: Logger;
  readonly fetch: typeof globalThis.fetch;
  /** The back-ends to choose from (standardBackends() on a node). */
  readonly backends: BackendRegistry;
  /** The back-ends' .priority and .disabled files. */
  readonly backendsConfigDir?: string;
  /** Takes the helper's trace events as they come from the VM (create writes them into the run's trace). */
  readonly helperTrace?: (event: TraceEvent) => void;
  /** Where accelerator verdicts are kept and what the probe reads (tests point it elsewhere). */
  readonly acceleratorChoice?: Partial<AcceleratorChoiceOptions>;
}

/**
 * The create lifecycle's effects against the world, by name: the plan from
 * the inputs (create-plan.ts), image transfer through the back-ends
 * (image-transfer.ts), the config device (config-device/), qemu
 * (helper-vm/), and the release of what was taken. Each entry only turns
 * the machine's input into its adapter's and logs what an operator reads.
 */
export function realHostEffects(ports: RealHostPorts): HostEffects {
  const transfer = createImageTransferEffects({ processes: ports.processes, backends: ports.backends });
  const prepareConfigDevice = createPrepareConfigDevice({ processes: ports.processes, fetch: ports.fetch, log: ports.log });
  const startHelper = createStartHelper({ processes: ports.processes, log: ports.log, onTrace: ports.helperTrace ?? (() => {}) });
  const accelerators = createAcceleratorChoice({ ...DEFAULT_ACCELERATOR_CHOICE, ...ports.acceleratorChoice }, ports.log);

  const releaseResource: Effect<Resource, void> = async (resource, ctx) => {
    switch (resource.kind) {
      case 'tempdir':
        return rm(resource.id, { recursive: true, force: true });
      case 'process':
        return signalHelper({ pid: Number(resource.id), signal: 'SIGKILL' }, ctx);
      default:
        return transfer.releaseResource(resource, ctx);
    }
  };

  return {
    validate: (_input, ctx) => validateCreate(ports, ctx.signal),

    selectBackends: async (input, ctx) => {
      const selection = await transfer.selectBackends(input, ctx);
      for (const warning of selection.warnings) ports.log.warn(warning);
      ports.log.info({ source: selection.source.backend, destination: selection.destination.backend }, 'back-ends chosen');
      return { source: selection.source, destination: selection.destination };
    },

    attachDestination: releasedWhenAborted(
      'attachDestination',
      ({ backend, path }, ctx) => transfer.attachDestination({ backend, disk: path }, ctx),
      releaseResource,
    ),

    copyImage: async ({ image, source, target, config }, ctx) => {
      const summary = await transfer.copyImage(
        { imageId: image.id, source, format: image.format, target, config, ...(image.checksum ? { checksum: image.checksum } : {}) },
        ctx,
      );
      ports.log.info({ bytes: summary.bytes, seconds: summary.seconds }, 'image copied');
      return { bytes: summary.bytes, seconds: summary.seconds };
    },

    writeConfigDevice: releasedWhenAborted('writeConfigDevice', prepareConfigDevice, releaseResource),

    chooseAccelerator: async (boot) => {
      const choice = await accelerators.chooseAccelerator(boot);
      ports.log.info({ accelerator: choice.accelerator, probeMs: choice.probeMs }, `accelerator: ${choice.reason}`);
      return choice;
    },

    markAcceleratorBad: async ({ boot, accelerator, reason }) => {
      ports.log.warn({ accelerator }, `the helper VM did not boot under ${accelerator} (${reason}): TCG from now on, until the node reboots`);
      await accelerators.markAcceleratorBad(boot, reason);
    },

    runHelper: startHelper,

    signalHelper,
    readResult,
    releaseResource,
  };
}
