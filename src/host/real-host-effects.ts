import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Effect } from '../effects/effect.ts';
import type { Processes } from '../effects/processes.ts';
import type { Logger } from '../log.ts';
import { readAnswerFile } from './config-device/answer-file.ts';
import { DEFAULT_BACKENDS_CONFIG_DIR, type BackendsConfig } from './backends/backends-config.ts';
import { createConfigDeviceWriter } from './config-device/config-device.ts';
import { helperDeviceNames } from './helper-vm/helper-devices.ts';
import { helperRules } from './config-device/helper-rules.ts';
import { createRunHelper, readResult, signalHelper } from './helper-vm/helper-vm.ts';
import { prepareHostKeys } from './config-device/host-keys.ts';
import type { DeploymentPlan, HostEffects, Resource } from '../../machines/host/ports.ts';
import { createImageTransferEffects } from './image-transfer.ts';
import { formatProperties } from './image-format/image-format.ts';
import { loadDeploymentRequest, realInputFiles, type DeploymentRequest, type Environment } from './inputs/deployment-request.ts';
import { createAcceleratorChoice, DEFAULT_ACCELERATOR_CHOICE, type AcceleratorChoiceOptions, type AcceleratorQuestion } from './helper-vm/accelerator-choice.ts';
import { MACHINE_KERNEL_ARGS, qemuCommand } from './helper-vm/qemu-command.ts';
import { releasedWhenAborted } from './released-when-aborted.ts';
import { makeWorkDir, removeOrphanedWorkDirs } from './work-dirs.ts';
import { detectQemuVersion } from './helper-vm/qemu-version.ts';

/** The plan of a real create: the validated request, and the timeouts the machine reads. */
export interface CreatePlan extends DeploymentPlan {
  readonly request: DeploymentRequest;
}

export interface RealHostPorts {
  readonly env: Environment;
  readonly processes: Processes;
  readonly log: Logger;
  readonly fetch: typeof globalThis.fetch;
  /** The back-ends' .priority and .disabled files. */
  readonly backendsConfigDir?: string;
  /** Where accelerator verdicts are kept and what the probe reads (tests point it elsewhere). */
  readonly acceleratorChoice?: Partial<AcceleratorChoiceOptions>;
}

/** The create lifecycle's effects against the world: files, back-ends, mke2fs, qemu. */
export function realHostEffects(ports: RealHostPorts): HostEffects {
  const transfer = createImageTransferEffects({ processes: ports.processes });
  const writeConfigDevice = createConfigDeviceWriter({ processes: ports.processes });
  const runHelperProcess = createRunHelper({ log: ports.log });
  const accelerators = createAcceleratorChoice({ ...DEFAULT_ACCELERATOR_CHOICE, ...ports.acceleratorChoice }, ports.log);
  const requestOf = (plan: DeploymentPlan) => (plan as CreatePlan).request;
  const acceleratorQuestion = (plan: DeploymentPlan): AcceleratorQuestion => {
    const { config } = requestOf(plan);
    return { setting: config.HELPER_ACCEL, qemu: config.QEMU, machine: config.HELPER_MACHINE_TYPE, helperDir: config.HELPER_DIR, memoryMiB: config.HELPER_MEMORY };
  };
  const backendsConfig = (request: DeploymentRequest): BackendsConfig => ({
    imageDir: request.config.IMAGE_DIR,
    backendsConfigDir: ports.backendsConfigDir ?? DEFAULT_BACKENDS_CONFIG_DIR,
  });

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
    validate: async () => {
      const request = await loadDeploymentRequest({ env: ports.env, files: realInputFiles, fetch: ports.fetch });
      for (const warning of request.warnings) ports.log.warn(warning);
      const plan: CreatePlan = {
        instance: request.instanceName,
        helperTimeouts: { bootMs: request.config.HELPER_BOOT_TIMEOUT * 1000, softMs: request.config.HELPER_SOFT_TIMEOUT * 1000, hardMs: request.config.HELPER_HARD_TIMEOUT * 1000 },
        request,
      };
      return plan;
    },

    selectBackends: async ({ plan }, ctx) => {
      const request = requestOf(plan);
      const selection = await transfer.selectBackends({ imageId: request.image.id, disk: request.disks[0]!.target, config: backendsConfig(request) }, ctx);
      for (const warning of selection.warnings) ports.log.warn(warning);
      ports.log.info({ source: selection.source.backend, destination: selection.destination.backend }, 'back-ends chosen');
      return { source: selection.source, destination: selection.destination };
    },

    attachDestination: releasedWhenAborted(
      'attachDestination',
      ({ backends }, ctx) => transfer.attachDestination({ backend: backends.destination.backend, disk: backends.destination.path }, ctx),
      releaseResource,
    ),

    copyImage: async ({ plan, backends, target }, ctx) => {
      const request = requestOf(plan);
      const summary = await transfer.copyImage(
        { imageId: request.image.id, source: backends.source.backend, format: request.image.format, target, config: backendsConfig(request) },
        ctx,
      );
      ports.log.info({ bytes: summary.bytes, seconds: summary.seconds }, 'image copied');
      return { bytes: summary.bytes, seconds: summary.seconds };
    },

    writeConfigDevice: releasedWhenAborted('writeConfigDevice', async ({ plan }, ctx) => {
      const request = requestOf(plan);
      for (const orphan of await removeOrphanedWorkDirs()) ports.log.warn({ path: orphan }, 'removed the work directory of a create that is gone');
      const workDir = await makeWorkDir('create');
      const resources: Resource[] = [{ kind: 'tempdir', id: workDir }];
      try {
        const { devices } = helperDeviceNames({ machine: request.config.HELPER_MACHINE_TYPE, diskType: request.diskType, diskCount: request.disks.length });
        const answerUrl = request.parameters.os_answer_file;
        const answerFile = answerUrl ? await readAnswerFile(answerUrl, ports.fetch, ctx.signal) : undefined;
        const forcedProperties = { ...formatProperties(request.image.format), ...(answerFile !== undefined ? { IGNORE_UNATTEND: 'yes' } : {}) };
        const configDevice = join(workDir, 'config.img');
        const hostKeys = await prepareHostKeys(ports.processes, `root@${request.instanceName}`, ctx.signal);
        await writeConfigDevice(
          {
            path: configDevice,
            rules: helperRules(request, { devices, forcedProperties }),
            windowsTimezone: request.config.WINDOWS_TIMEZONE,
            hostKeys,
            ...(answerFile !== undefined ? { answerFile } : {}),
          },
          ctx,
        );
        const resultChannel = join(workDir, 'result');
        await writeFile(resultChannel, '', { mode: 0o600 });
        return { configDevice, resultChannel, resources };
      } catch (error) {
        await rm(workDir, { recursive: true, force: true });
        throw error;
      }
    }, releaseResource),

    chooseAccelerator: async ({ plan }) => {
      const choice = await accelerators.chooseAccelerator(acceleratorQuestion(plan));
      ports.log.info({ accelerator: choice.accelerator, probeMs: choice.probeMs }, `accelerator: ${choice.reason}`);
      return choice;
    },

    markAcceleratorBad: async ({ plan, accelerator, reason }) => {
      ports.log.warn({ accelerator }, `the helper VM did not boot under ${accelerator} (${reason}): TCG from now on, until the node reboots`);
      await accelerators.markAcceleratorBad(acceleratorQuestion(plan), reason);
    },

    runHelper: async ({ plan, accelerator, target, configDevice, resultChannel }, ctx) => {
      const request = requestOf(plan);
      const [qemu, ...qemuArgs] = request.config.QEMU;
      const qemuVersion = await detectQemuVersion(ports.processes, request.config.QEMU, ctx.signal);
      const machine = request.config.HELPER_MACHINE_TYPE;
      const command = qemuCommand({
        qemu: qemu!,
        qemuVersion,
        machine,
        accelerator,
        helperDir: request.config.HELPER_DIR,
        memoryMiB: request.config.HELPER_MEMORY,
        user: request.config.HELPER_USER,
        debug: request.config.HELPER_DEBUG,
        diskType: request.diskType,
        instanceDisks: [target, ...request.disks.slice(1).map((d) => d.target)],
        configDevice,
        resultPath: resultChannel,
        extraKernelArgs: MACHINE_KERNEL_ARGS[machine] ?? [],
      });
      ports.log.info({ accelerator, machine, command: [command.command, ...command.args].join(' ') }, 'starting the helper VM');
      return runHelperProcess({ command: command.command, args: [...qemuArgs, ...command.args] }, ctx);
    },

    signalHelper,
    readResult,
    releaseResource,
  };
}
