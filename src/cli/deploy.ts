import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { finished } from 'node:stream/promises';
import { deploy } from '../ganeti/create.ts';
import { configFilePaths } from '../host/inputs/config-file.ts';
import type { Environment } from '../host/inputs/deployment-request.ts';
import { createLogger } from '../log.ts';
import { DEPLOY_USAGE, DeployUsageError, readDeployArgs, type DeployArgs } from './deploy-args.ts';
import { deployProgress } from './deploy-progress.ts';

/** Image ids that the network and null back-ends take as they are; anything else is a local file. */
const NOT_A_FILE = /^(null$|[a-z][a-z0-9+.-]*:\/\/)/;

/**
 * `snf-image deploy IMAGE DISK`: create's lifecycle, trace and exit codes for
 * a user without Ganeti. The choices given as flags become the environment
 * Ganeti would give create for a one-disk instance with no NIC.
 */
export async function runDeploy(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(DEPLOY_USAGE);
    return 0;
  }
  let args: DeployArgs;
  try {
    args = await readDeployArgs(argv);
  } catch (error) {
    if (!(error instanceof DeployUsageError)) throw error;
    process.stderr.write(`snf-image deploy: ${error.message}\n\n${DEPLOY_USAGE}`);
    return 2;
  }
  // A local image is read from its own directory: a configuration of our own adds IMAGE_DIR to the operator's.
  const workDir = await mkdtemp(join(tmpdir(), 'snf-image-deploy-'));
  try {
    const local = !NOT_A_FILE.test(args.image);
    const configFile = join(workDir, 'snf-image.conf');
    await writeFile(configFile, await deployConfiguration(local ? dirname(resolve(args.image)) : undefined), { mode: 0o600 });
    const env = deployEnvironment(args, local ? basename(args.image) : args.image, configFile);
    const terminal = !args.json && process.stderr.isTTY ? process.stderr : undefined;
    const { sink, summary } = deployProgress(terminal);
    const started = performance.now();
    const { output, tracePath } = await deploy(env, { log: createLogger(process.env.SNF_IMAGE_LOG_LEVEL ?? (terminal ? 'warn' : 'info')), stdout: sink as never });
    sink.end();
    await finished(sink);
    const report = {
      ok: output.ok,
      image: args.image,
      disk: args.disk,
      hostname: args.hostname,
      copiedBytes: summary.copiedBytes,
      seconds: Math.round(performance.now() - started) / 1000,
      tasks: summary.tasks,
      warnings: summary.warnings,
      ...(output.failure ? { error: output.failure.message } : {}),
      ...(tracePath ? { trace: tracePath } : {}),
    };
    process.stdout.write(args.json ? `${JSON.stringify(report)}\n` : summaryText(report));
    return output.ok ? 0 : 1;
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

async function deployConfiguration(imageDir: string | undefined): Promise<string> {
  const texts = [];
  for (const path of configFilePaths(process.env)) texts.push(await readFile(path, 'utf8').catch(() => ''));
  // The last assignment of a name wins, as in the shell, so ours goes last.
  if (imageDir !== undefined) {
    if (imageDir.includes("'")) throw new DeployUsageError(`the image's directory ${imageDir} holds a single quote, which the configuration cannot carry`);
    texts.push(`IMAGE_DIR='${imageDir}'\n`);
  }
  return texts.map((t) => (t.endsWith('\n') || t === '' ? t : `${t}\n`)).join('');
}

function deployEnvironment(args: DeployArgs, imageId: string, configFile: string): Environment {
  const personality = args.files.map((f) => ({ path: f.path, contents: f.contents.toString('base64'), owner: 'root', group: 'root', mode: f.mode }));
  return {
    OS_API_VERSION: '20',
    INSTANCE_NAME: args.hostname,
    HYPERVISOR: 'kvm',
    DISK_COUNT: '1',
    DISK_0_PATH: resolve(args.disk),
    INSTANCE_HV_disk_type: 'paravirtual',
    NIC_COUNT: '0',
    SNF_IMAGE_CONFIG_FILE: configFile,
    OSP_IMG_ID: imageId,
    OSP_IMG_FORMAT: args.format,
    ...(args.password !== undefined ? { OSP_IMG_PASSWD: args.password } : {}),
    ...(args.sshKeys.length > 0 ? { OSP_AUTH_KEYS: args.sshKeys.join('\n') } : {}),
    ...(Object.keys(args.properties).length > 0 ? { OSP_IMG_PROPERTIES: JSON.stringify(args.properties) } : {}),
    ...(personality.length > 0 ? { OSP_IMG_PERSONALITY: JSON.stringify(personality) } : {}),
  };
}

function summaryText(report: { ok: boolean; image: string; disk: string; hostname: string; copiedBytes: number; seconds: number; tasks: string[]; warnings: string[]; error?: string; trace?: string }): string {
  const lines = [
    report.ok ? `Deployed ${report.image} onto ${report.disk} as ${report.hostname} in ${report.seconds} s.` : `Deploying ${report.image} onto ${report.disk} failed after ${report.seconds} s.`,
    `  copied:      ${report.copiedBytes} bytes`,
    `  customized:  ${report.tasks.length > 0 ? report.tasks.join(', ') : 'nothing'}`,
    ...report.warnings.map((w) => `  warning:     ${w}`),
    ...(report.trace ? [`  trace:       ${report.trace} (snf-image viz ${report.trace})`] : []),
    // As in create's log, the reason comes last.
    ...(report.error ? [`  error:       ${report.error}`] : []),
  ];
  return `${lines.join('\n')}\n`;
}
