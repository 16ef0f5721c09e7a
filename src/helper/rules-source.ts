import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { SnfImageError } from '../errors.ts';
import type { EffectEvent } from '../effects/effect.ts';
import type { Processes } from '../effects/processes.ts';
import { Secret } from '../effects/secret.ts';
import { CONFIG_DEVICE_FILES, CONFIG_DEVICE_MOUNTPOINT, rulesSchema, SECRET_RULE_VALUES } from '../protocol/rules.ts';
import { isMountedAt } from './real-mounts.ts';
import type { RulesRead } from '../../machines/helper/ports.ts';
import type { TaskValue } from '../../machines/helper/task-declaration.ts';

/** Where rules.json comes from: the config device (in the VM), or a file or directory (tests, debugging). */
export type RulesSource = { readonly device: string } | { readonly file: string } | { readonly directory: string };

export class RulesError extends SnfImageError {
  override readonly name = 'RulesError';
}

export interface RulesDeps {
  readonly processes: Processes;
  readonly emit: (event: EffectEvent) => void;
  readonly signal: AbortSignal;
  /** Instance disks as this helper sees them, replacing rules.devices (a test runs on loop devices). */
  readonly disks?: readonly string[];
}

/**
 * Reads and validates rules.json. A config device is mounted read-only and
 * stays mounted (the Windows tasks read unattend.xml and sysprep.inf from
 * it); the machine unmounts it at the end like any other mount.
 */
export async function readRules(given: RulesSource, deps: RulesDeps): Promise<RulesRead> {
  const source = 'file' in given && (await stat(given.file).catch(() => undefined))?.isDirectory() ? { directory: given.file } : given;
  const directory = await configDirectory(source, deps);
  const path = 'file' in source ? source.file : join(directory, CONFIG_DEVICE_FILES.rules);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new RulesError(`cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? String(error)}): the config device must hold ${CONFIG_DEVICE_FILES.rules}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new RulesError(`${CONFIG_DEVICE_FILES.rules} is not valid JSON (${(error as Error).message})`);
  }
  const parsed = rulesSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new RulesError(`${CONFIG_DEVICE_FILES.rules}: ${issue.path.join('.') || 'the file'}: ${issue.message}`);
  }
  const rules = parsed.data;
  const env: Record<string, TaskValue> = {};
  for (const [key, value] of Object.entries(rules.env)) env[key] = SECRET_RULE_VALUES.includes(key) ? new Secret(value) : value;
  env.UNATTEND = join(directory, CONFIG_DEVICE_FILES.unattend);
  env.SYSPREPINF = join(directory, CONFIG_DEVICE_FILES.sysprepInf);
  const hostKeys = join(directory, CONFIG_DEVICE_FILES.hostKeys);
  if ((await stat(hostKeys).catch(() => undefined))?.isDirectory()) env.HOST_KEYS = hostKeys;
  return { env, devices: deps.disks?.length ? deps.disks : rules.devices, forcedProperties: rules.forcedProperties };
}

async function configDirectory(source: RulesSource, deps: RulesDeps): Promise<string> {
  if ('file' in source) return dirname(source.file);
  if ('directory' in source) return source.directory;
  if (await isMountedAt(source.device, CONFIG_DEVICE_MOUNTPOINT)) {
    // The init mounted it; the helper unmounts it at the end like its own mounts.
    deps.emit({ type: 'helper.mounted', mountpoint: CONFIG_DEVICE_MOUNTPOINT });
    return CONFIG_DEVICE_MOUNTPOINT;
  }
  const mountpoint = await mkdtemp(join(tmpdir(), 'snf-image-config-'));
  await deps.processes.run('mount', ['-o', 'ro', source.device, mountpoint], { signal: deps.signal });
  deps.emit({ type: 'helper.mounted', mountpoint });
  return mountpoint;
}
