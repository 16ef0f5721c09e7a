import { chmod, mkdir, symlink, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Effect } from '../../effects/effect.ts';
import { CommandFailed, type Processes } from '../../effects/processes.ts';
import { isSecret, type Secret } from '../../effects/secret.ts';
import { SnfImageError } from '../../errors.ts';
import { CONFIG_DEVICE_FILES, rulesSchema, type Rules } from '../../protocol/rules.ts';
import { hostKeyFileName, type HostKeyPair, type PreparedHostKeys, type PreparedHostKeyType } from './host-keys.ts';
import { defaultSysprepInf, defaultUnattendXml } from './windows-answer-files.ts';
import { resolveWindowsTimezone } from './windows-timezones.ts';
import { withWorkDir } from '../work-dirs.ts';

/** A 1.44 MB floppy, the size snf-image used: every pc and q35 helper can read it. */
export const CONFIG_DEVICE_BYTES = 2880 * 512;

/** rules.json as the caller holds it: secret values stay wrapped until the file is written. */
export type RulesWithSecrets = Omit<Rules, 'env'> & { readonly env: Readonly<Record<string, string | Secret>> };

export interface ConfigDeviceInput {
  /** The image file to write; created or replaced, readable by its owner only (it holds secrets). The caller removes it. */
  readonly path: string;
  readonly rules: RulesWithSecrets;
  /** WINDOWS_TIMEZONE, for the default answer files. */
  readonly windowsTimezone: string;
  /** The contents of os_answer_file, fetched by the caller; it replaces both default answer files. */
  readonly answerFile?: string | Secret;
  /**
   * The contents of the file the deprecated UNATTEND setting names: as in
   * snf-image it becomes unattend.xml, ahead of os_answer_file, and leaves
   * sysprep.inf as it would otherwise be.
   */
  readonly unattendFile?: string;
  /** SSH host keys for the guest, made on the host (host-keys.ts). */
  readonly hostKeys?: PreparedHostKeys;
}

export interface ConfigDeviceOutput {
  readonly path: string;
}

export class InvalidRules extends SnfImageError {
  override readonly name = 'InvalidRules';
  constructor(readonly problems: readonly string[]) {
    super(`the rules for the helper are invalid (${problems.join('; ')}): this is a bug in the host, please report it`);
  }
}

export class ConfigDeviceTooSmall extends SnfImageError {
  override readonly name = 'ConfigDeviceTooSmall';
  constructor(bytes: number) {
    super(
      `the rules and answer files do not fit on the ${bytes}-byte config device: ` +
        'shorten os_answer_file, cloud_userdata or img_personality',
    );
  }
}

/**
 * Builds the config device without mounting anything on the host: the files
 * are staged in a private directory and `mke2fs -d` copies them into a fresh
 * ext2 filesystem. The staging directory is removed whatever happens.
 */
export function createConfigDeviceWriter(deps: { readonly processes: Processes }): Effect<ConfigDeviceInput, ConfigDeviceOutput> {
  return async (input, ctx) => {
    const rules = checkedRules(input.rules);
    const timezone = resolveWindowsTimezone(input.windowsTimezone);
    // A private directory (mode 0700), removed whatever happens.
    return withWorkDir('config', async (staging) => {
      const secretFile = { mode: 0o600, flag: 'wx' } as const;
      await writeFile(join(staging, CONFIG_DEVICE_FILES.rules), `${JSON.stringify(rules, null, 2)}\n`, secretFile);
      const answerText = input.answerFile === undefined ? undefined : isSecret(input.answerFile) ? input.answerFile.reveal() : input.answerFile;
      await writeFile(join(staging, CONFIG_DEVICE_FILES.unattend), input.unattendFile ?? answerText ?? defaultUnattendXml(timezone), secretFile);
      if (answerText === undefined) {
        await writeFile(join(staging, CONFIG_DEVICE_FILES.sysprepInf), defaultSysprepInf(timezone), secretFile);
      } else {
        // One answer file serves both Windows generations, as with snf-image.
        await symlink(CONFIG_DEVICE_FILES.unattend, join(staging, CONFIG_DEVICE_FILES.sysprepInf));
      }
      if (input.hostKeys) await stageHostKeys(join(staging, CONFIG_DEVICE_FILES.hostKeys), input.hostKeys);
      await writeFile(input.path, '', { mode: 0o600 });
      // A file the caller made beforehand (mktemp) keeps its own mode on writeFile.
      await chmod(input.path, 0o600);
      await truncate(input.path, CONFIG_DEVICE_BYTES);
      await makeFilesystem(deps.processes, staging, input.path, ctx.signal);
      return { path: input.path };
    });
  };
}

async function stageHostKeys(dir: string, keys: PreparedHostKeys): Promise<void> {
  await mkdir(dir, { mode: 0o700 });
  for (const [type, pair] of Object.entries(keys) as [PreparedHostKeyType, HostKeyPair][]) {
    await writeFile(join(dir, hostKeyFileName(type)), pair.privateKey.reveal(), { mode: 0o600, flag: 'wx' });
    await writeFile(join(dir, `${hostKeyFileName(type)}.pub`), pair.publicKey, { mode: 0o644, flag: 'wx' });
  }
}

function checkedRules(rules: RulesWithSecrets): Rules {
  const env = Object.fromEntries(Object.entries(rules.env).map(([name, value]) => [name, isSecret(value) ? value.reveal() : value]));
  const parsed = rulesSchema.safeParse({ ...rules, env });
  // Issues name the path and the rule broken, never the value: a value may be a secret.
  if (!parsed.success) throw new InvalidRules(parsed.error.issues.map((issue) => `${issue.path.join('.') || 'rules'}: ${issue.message}`));
  return parsed.data;
}

async function makeFilesystem(processes: Processes, staging: string, image: string, signal: AbortSignal): Promise<void> {
  const blocks = String(CONFIG_DEVICE_BYTES / 1024);
  const args = ['-q', '-F', '-t', 'ext2', '-b', '1024', '-m', '0', '-L', 'snf-image', '-E', 'root_owner=0:0', '-d', staging, image, blocks];
  try {
    await processes.run('mke2fs', args, { signal });
  } catch (error) {
    if (error instanceof CommandFailed && /could not allocate block/i.test(error.stderr)) throw new ConfigDeviceTooSmall(CONFIG_DEVICE_BYTES);
    throw error;
  }
}
