import { z } from 'zod';
import { SnfImageError } from '../../errors.ts';
import type { InputFiles } from './input-files.ts';
import { OS_PARAMETER_NAMES } from '../../../machines/host/os-parameter-names.ts';
import { describeValue, type SourcedValue, type ValueLayer } from './sourced-value.ts';
import { DEFAULT_NIC_CONFIGS, HELPER_ACCELS, MACHINE_TYPES, type HttpProxy } from '../../../machines/host/plan.ts';
import { Secret } from '../../effects/secret.ts';

/**
 * The settings an operator puts in the configuration file (or a variant
 * file), under snf-image's names and with its defaults, plus our own
 * (HELPER_ACCEL, HELPER_MACHINE_TYPE, TRACE_DIR, VARIANTS_LIST,
 * CONFIG_URL_TIMEOUT, DOWNLOAD_STALL_TIMEOUT, QEMU, LOG_LEVEL, HTTP_PROXY,
 * HTTPS_PROXY, NO_PROXY, CA_BUNDLE). As in snf-image (`: ${VAR:=default}`),
 * an empty value means the default, except for DEFAULT_NIC_CONFIG, where
 * empty means "leave the default NIC unconfigured".
 */
export class InvalidSettingError extends SnfImageError {
  override readonly name = 'InvalidSettingError';
  constructor(
    readonly setting: string,
    readonly value: string,
    message: string,
  ) {
    super(message);
  }
}

/** Durations as GNU timeout takes them (snf-image passes these to it): seconds, or a number with s, m, h or d. */
const DURATION = /^(\d+(\.\d*)?|\.\d+)([smhd]?)$/;
const SECONDS_PER_UNIT: Record<string, number> = { '': 1, s: 1, m: 60, h: 3600, d: 86400 };

const text = z.string();
const optionalText = z.string().transform((v) => (v === '' ? undefined : v));
const duration = z
  .string()
  .regex(DURATION, 'use a number of seconds, or a number followed by s, m, h or d (120, 5m, 1.5h)')
  .transform((v) => {
    const [, number, , unit] = DURATION.exec(v) ?? [];
    return Number(number) * (SECONDS_PER_UNIT[unit ?? ''] ?? 1);
  })
  .refine((seconds) => seconds > 0, 'use a duration longer than zero');
const mebibytes = z.string().regex(/^[1-9][0-9]*$/, 'use a whole number of MiB, e.g. 512').transform(Number);
const yesNo = z.string().transform((v) => v === 'yes');
/** A program, possibly with arguments (CURL="curl -fL"): split on blanks, never given to a shell. */
const command = z.string().transform((v) => v.trim().split(/\s+/));
const optionalCommand = z.string().transform((v) => (v.trim() === '' ? undefined : v.trim().split(/\s+/)));
const words = z.string().transform((v) => v.split(/\s+/).filter((w) => w !== ''));
/** A list as curl's NO_PROXY takes it: commas, blanks or both between entries. */
const hostList = z.string().transform((v) => v.split(/[\s,]+/).filter((w) => w !== ''));
/** An http:// proxy URL; its user and password, if any, are kept apart as a secret. */
const proxyUrl = z.string().transform((v, context): HttpProxy | undefined => {
  if (v.trim() === '') return undefined;
  const url = URL.canParse(v.trim()) ? new URL(v.trim()) : undefined;
  if (url === undefined || url.protocol !== 'http:' || url.hostname === '' || (url.pathname !== '/' && url.pathname !== '') || url.search !== '') {
    context.addIssue({ code: 'custom', message: 'use http://HOST:PORT, with USER:PASSWORD@ before HOST if the proxy asks for them (an https:// proxy is not supported)' });
    return z.NEVER;
  }
  const credentials = url.username === '' && url.password === '' ? undefined : new Secret(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`);
  url.username = '';
  url.password = '';
  return credentials === undefined ? { url: url.origin } : { url: url.origin, credentials };
});

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

interface Setting<S extends z.ZodType> {
  readonly default: string;
  readonly schema: S;
  /** DEFAULT_NIC_CONFIG only: an empty value is a value, not "use the default". */
  readonly emptyIsValue?: true;
}

function setting<S extends z.ZodType>(defaultValue: string, schema: S, emptyIsValue?: true): Setting<S> {
  return emptyIsValue ? { default: defaultValue, schema, emptyIsValue } : { default: defaultValue, schema };
}

export const SETTINGS = {
  HELPER_DIR: setting('/var/lib/snf-image/helper/', text),
  /**
   * Seconds for the helper VM to show a sign of life (console output, a
   * monitor line) under KVM. Under HELPER_ACCEL=auto a helper that has not
   * booted by then is started again under TCG; under kvm the run fails. KVM
   * boots it in about a second; the default leaves room for a slow, busy node.
   */
  HELPER_BOOT_TIMEOUT: setting('60', duration),
  /** Seconds before the helper VM is sent SIGTERM. */
  HELPER_SOFT_TIMEOUT: setting('120', duration),
  /** Seconds after SIGTERM before SIGKILL. */
  HELPER_HARD_TIMEOUT: setting('5', duration),
  HELPER_USER: setting('nobody', text),
  /** yes: qemu runs under its seccomp sandbox when it has one (src/host/helper-vm/qemu-sandbox.ts). */
  HELPER_SANDBOX: setting('yes', yesNo),
  HELPER_MEMORY: setting('512', mebibytes),
  HELPER_DEBUG: setting('no', yesNo),
  HELPER_ACCEL: setting('auto', z.enum(HELPER_ACCELS, 'use auto (KVM when it works, TCG otherwise), kvm or tcg')),
  /**
   * The helper VM's qemu machine: its own, whatever the instance runs on.
   * microvm boots fastest and takes the config device as a virtio disk; pc
   * and q35 take it as a floppy, as snf-image's helper did.
   */
  HELPER_MACHINE_TYPE: setting('microvm', z.enum(MACHINE_TYPES, `use ${MACHINE_TYPES.join(', ')}`)),
  PROGRESS_MONITOR: setting('', optionalCommand),
  DHCP_TAGS: setting('auto dhcp nfdhcpd', words),
  STATEFUL_DHCPV6_TAGS: setting('dhcpv6 stateful_dhcpv6', words),
  STATELESS_DHCPV6_TAGS: setting('nfdhcpd stateless_dhcpv6', words),
  DEFAULT_NIC_CONFIG: setting(
    'dhcp',
    z.enum(
      DEFAULT_NIC_CONFIGS,
      `use one of ${DEFAULT_NIC_CONFIGS.filter((v) => v !== '').join(', ')}, or an empty value to leave the default NIC unconfigured`,
    ),
    true,
  ),
  /** Deprecated in snf-image: an unattend.xml to put on the config device. */
  UNATTEND: setting('', optionalText),
  WINDOWS_TIMEZONE: setting('GMT Standard Time', text),
  /** yes: the log level is at least debug (LOG_LEVEL), as snf-image's `set -x` traced every step. */
  IMAGE_DEBUG: setting('no', yesNo),
  /** The log's level from the moment the configuration is read; empty keeps the program's (info). */
  LOG_LEVEL: setting(
    '',
    z
      .string()
      .refine((v) => v === '' || (LOG_LEVELS as readonly string[]).includes(v), `use one of ${LOG_LEVELS.join(', ')}`)
      .transform((v) => (v === '' ? undefined : (v as LogLevel))),
  ),
  CLOUD_INIT_DEBUG: setting('no', yesNo),
  VARIANTS_DIR: setting('/etc/ganeti/snf-image/variants', text),
  VARIANTS_LIST: setting('/etc/ganeti/snf-image/variants.list', text),
  /** import grows disk 0's partition and filesystem when the disk is larger than the export (src/ganeti/import-resize.ts). */
  IMPORT_RESIZE: setting('no', yesNo),
  /** The local back-end's image directory. */
  IMAGE_DIR: setting('/var/lib/snf-image', text),
  TRACE_DIR: setting('/var/log/snf-image/traces', text),
  /** create removes the traces in TRACE_DIR older than this (src/host/prune-traces.ts). */
  TRACE_MAX_AGE: setting('30d', duration),
  /** The proxy for http:// downloads: images, config_url, os_answer_file (snf-image passed it in CURL as -x). */
  HTTP_PROXY: setting('', proxyUrl),
  /** The proxy for https:// downloads, reached with CONNECT. */
  HTTPS_PROXY: setting('', proxyUrl),
  /** Hosts downloaded from directly, past the proxies. */
  NO_PROXY: setting('', hostList),
  /** The certificate authorities https servers are checked against, in place of the system's (curl's --cacert). */
  CA_BUNDLE: setting('', optionalText),
  /** Seconds to wait for a config_url answer. */
  CONFIG_URL_TIMEOUT: setting('60', duration),
  /** Seconds an http(s) image source may send nothing, before or during the download, before create fails. */
  DOWNLOAD_STALL_TIMEOUT: setting('60', duration),
  /** The helper's qemu; snf-image called it KVM, which is read when QEMU is not set. */
  QEMU: setting('qemu-system-x86_64', command),
  QEMU_NBD: setting('qemu-nbd', command),
  LOSETUP: setting('losetup', command),
  BLOCKDEV: setting('blockdev', command),
  DD: setting('dd', command),
  PARTED: setting('parted', command),
  CURL: setting('curl -fL', command),
  TAR: setting('tar', command),
  MD5SUM: setting('md5sum', command),
} as const;

export type SettingName = keyof typeof SETTINGS;

/** The configuration in force, typed: durations in seconds, programs as argv arrays, yes/no as booleans. */
export type EffectiveConfig = { readonly [K in SettingName]: z.output<(typeof SETTINGS)[K]['schema']> };

const SETTINGS_WITH_CREDENTIALS: ReadonlySet<SettingName> = new Set(['HTTP_PROXY', 'HTTPS_PROXY']);

const YES_NO_SETTINGS: readonly SettingName[] = ['HELPER_DEBUG', 'IMAGE_DEBUG', 'CLOUD_INIT_DEBUG', 'IMPORT_RESIZE'];

/**
 * snf-image's program settings for tools this program does not run: their
 * default is accepted (configuration files copied from snf-image carry it),
 * any other value is refused, since it could not do what its author meant.
 */
const PROGRAMS_NOT_RUN: Partial<Record<SettingName, string>> = {
  CURL: 'http(s) images, config_url and os_answer_file are fetched by snf-image itself, not by curl, so curl options cannot apply; for a proxy set HTTP_PROXY, HTTPS_PROXY and NO_PROXY, and for your own certificate authority CA_BUNDLE (a PEM file)',
  QEMU_NBD: 'a URI disk is attached with the qemu-nbd found on PATH',
  LOSETUP: 'snf-image needs no loop device to write a disk',
  BLOCKDEV: 'snf-image reads disk sizes itself',
  DD: 'snf-image copies the image itself',
  PARTED: 'partitions are changed inside the helper VM by its own tools',
  TAR: 'snf-image runs no tar',
  MD5SUM: 'snf-image runs no md5sum',
};

/** snf-image names that make sense in its shell world only; accepted silently and not used. */
const UNUSED_SNF_IMAGE_SETTINGS = new Set([
  'AWK', 'DATE', 'TIMEOUT', 'KPARTX', 'SFDISK', 'INSTALL_MBR', 'MULTISTRAP_CONFIG', 'MULTISTRAP_APTPREFDIR', 'XEN_SCRIPTS_DIR', 'XEN_CMD',
]);

/**
 * The effective configuration from the merged config and variant layers.
 * Throws InvalidSettingError for a value that cannot work; adds to `warnings`
 * what snf-image warns about (yes/no values, VERSION_CHECK) and names it does
 * not know, which are most often typing mistakes.
 */
export function resolveSettings(layer: ValueLayer, warnings: string[]): EffectiveConfig {
  const resolved: Record<string, unknown> = {};
  for (const [name, { default: fallback, schema, emptyIsValue }] of Object.entries(SETTINGS) as [SettingName, Setting<z.ZodType>][]) {
    const given = layer.get(name) ?? (name === 'QEMU' ? legacyKvm(layer, warnings) : undefined);
    const useGiven = given !== undefined && (given.value !== '' || emptyIsValue === true);
    const result = schema.safeParse(useGiven ? given.value : fallback);
    if (!result.success) {
      const reason = result.error.issues[0]?.message ?? 'the value is not valid';
      const source = given ?? { name, value: fallback, where: 'the built-in defaults' };
      // A proxy URL may carry a password: the sentence names the setting, not its value.
      const shown = SETTINGS_WITH_CREDENTIALS.has(name) ? { ...source, value: new Secret(source.value) } : source;
      throw new InvalidSettingError(name, SETTINGS_WITH_CREDENTIALS.has(name) ? '***' : source.value, `${describeValue(shown)} is not valid: ${reason}.`);
    }
    resolved[name] = result.data;
  }
  for (const [name, reason] of Object.entries(PROGRAMS_NOT_RUN) as [SettingName, string][]) {
    const given = layer.get(name);
    if (given !== undefined && given.value.trim() !== '' && given.value.trim().split(/\s+/).join(' ') !== SETTINGS[name].default) {
      throw new InvalidSettingError(name, given.value, `${describeValue(given)} cannot take effect: ${reason}. Remove it from the configuration.`);
    }
  }
  for (const name of YES_NO_SETTINGS) {
    const given = layer.get(name);
    if (given !== undefined && given.value !== '' && given.value !== 'yes' && given.value !== 'no') {
      warnings.push(`${describeValue(given)} is neither yes nor no; taking it as no.`);
    }
  }
  warnAboutNamesNotKnown(layer, warnings);
  return resolved as EffectiveConfig;
}

function legacyKvm(layer: ValueLayer, warnings: string[]): SourcedValue | undefined {
  const kvm = layer.get('KVM');
  if (kvm !== undefined && kvm.value !== '') {
    warnings.push(`${describeValue(kvm)} is snf-image's name for the helper's qemu; use QEMU instead (it is taken as QEMU for now).`);
  }
  return kvm;
}

function warnAboutNamesNotKnown(layer: ValueLayer, warnings: string[]): void {
  const parameterNames = new Set(OS_PARAMETER_NAMES.map((n) => n.toUpperCase()));
  for (const [name, given] of layer) {
    if (name === 'VERSION_CHECK') {
      warnings.push(`VERSION_CHECK (set in ${given.where ?? 'the configuration'}) is deprecated since snf-image 0.22 and has no effect; remove it.`);
    } else if (!(name in SETTINGS) && name !== 'KVM' && !parameterNames.has(name) && !UNUSED_SNF_IMAGE_SETTINGS.has(name)) {
      warnings.push(`${name} (set in ${given.where ?? 'the configuration'}) is not a setting snf-image knows; it is ignored. Check its spelling.`);
    }
  }
}

/** One setting's text before the whole configuration is resolved (the variants directory is needed to read the variant). */
export function settingText(layer: ValueLayer, name: SettingName): string {
  const given = layer.get(name)?.value;
  return given === undefined || given === '' ? SETTINGS[name].default : given;
}

export class UnattendFileMissingError extends SnfImageError {
  override readonly name = 'UnattendFileMissingError';
  constructor(readonly file: string) {
    super(`UNATTEND names ${file}, which is not a file: create it, or remove UNATTEND from the configuration (it is deprecated; use the os_answer_file OS parameter)`);
  }
}

/** snf-image refuses to start when the UNATTEND file it was told to use is not there. */
export async function checkUnattendFile(config: EffectiveConfig, files: InputFiles): Promise<void> {
  if (config.UNATTEND !== undefined && (await files.kind(config.UNATTEND)) !== 'file') throw new UnattendFileMissingError(config.UNATTEND);
}

/** The log level the configuration asks for, if any: LOG_LEVEL, raised to debug by IMAGE_DEBUG=yes. */
export function configuredLogLevel(config: Pick<EffectiveConfig, 'LOG_LEVEL' | 'IMAGE_DEBUG'>): LogLevel | undefined {
  if (!config.IMAGE_DEBUG) return config.LOG_LEVEL;
  return config.LOG_LEVEL === 'trace' ? 'trace' : 'debug';
}
