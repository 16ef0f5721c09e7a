import { mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { realProcesses } from '../../../../src/effects/real/processes.ts';
import { partitionPath } from '../../../../src/helper/partition-nodes.ts';
import { writeEmptyHive } from '../../../../src/helper/windows/empty-hive.ts';
import { regFile, type RegValue } from '../../../../src/helper/windows/registry.ts';
import { LoopDisks } from '../../support/loop-disk.ts';

const run = (command: string, args: readonly string[], input?: string) => realProcesses.run(command, args, input === undefined ? {} : { input });

type Values = Readonly<Record<string, RegValue>>;
/** Registry contents by key path; a key without values is just created. */
export type HiveContents = Readonly<Record<string, Values>>;

export interface WindowsImageSpec {
  readonly hives: { readonly SOFTWARE?: HiveContents; readonly SYSTEM?: HiveContents; readonly SAM?: HiveContents };
  /** Files by volume path (e.g. "unattend.xml"), besides the Windows tree and its hives. */
  readonly files?: Readonly<Record<string, string>>;
  /** Symlinks by volume path, to a target as given (absolute targets test confinement). */
  readonly symlinks?: Readonly<Record<string, string>>;
  /** Spelling of the system folders on disk, to exercise case-insensitive lookup. */
  readonly windowsDir?: string;
  readonly system32Dir?: string;
}

/** Windows 8.1 x64, sysprepped to OOBE, with Remote Desktop allowed and two users. */
export function windowsHives(overrides: { software?: HiveContents; system?: HiveContents; sam?: HiveContents } = {}) {
  return {
    SOFTWARE: {
      'Microsoft\\Windows NT\\CurrentVersion': { CurrentVersion: { string: '6.3' }, ProductName: { string: 'Windows 8.1 Pro' } },
      'Microsoft\\Windows\\CurrentVersion\\Setup\\State': { ImageState: { string: 'IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE' } },
      ...overrides.software,
    },
    SYSTEM: {
      Select: { Current: { dword: 2 }, Default: { dword: 2 } },
      'ControlSet002\\Control\\Session Manager\\Environment': { PROCESSOR_ARCHITECTURE: { string: 'AMD64' } },
      'ControlSet002\\Control\\Terminal Server': { fDenyTSConnections: { dword: 0 }, fSingleSessionPerUser: { dword: 1 } },
      ...overrides.system,
    },
    SAM: { 'SAM\\Domains\\Account\\Users\\Names\\Administrator': {}, 'SAM\\Domains\\Account\\Users\\Names\\Guest': {}, ...overrides.sam },
  };
}

/** Windows XP x86 after sysprep -reseal -mini. */
export function legacyHives(overrides: { software?: HiveContents; system?: HiveContents; sam?: HiveContents } = {}) {
  return {
    SOFTWARE: { 'Microsoft\\Windows NT\\CurrentVersion': { CurrentVersion: { string: '5.1' } }, ...overrides.software },
    SYSTEM: {
      Select: { Current: { dword: 1 } },
      'ControlSet001\\Control\\Session Manager\\Environment': { PROCESSOR_ARCHITECTURE: { string: 'x86' } },
      'ControlSet001\\Control\\Terminal Server': { fDenyTSConnections: { dword: 1 } },
      Setup: { SystemSetupInProgress: { dword: 1 }, MiniSetupInProgress: { dword: 1 } },
      ...overrides.system,
    },
    SAM: { 'SAM\\Domains\\Account\\Users\\Names\\Administrator': {}, ...overrides.sam },
  };
}

const builtHives = new Map<string, Buffer>();

/**
 * Fills an empty hive with one hivexregedit --merge of every key. Hives of
 * the same contents are built once per test process: perl starts slowly.
 */
export async function buildHive(path: string, contents: HiveContents): Promise<void> {
  const id = JSON.stringify(contents);
  const built = builtHives.get(id);
  if (built) return writeFile(path, built);
  await writeEmptyHive(path);
  const reg = Object.entries(contents).map(([key, values]) => regFile(key, values)).join('\n');
  if (reg !== '') await run('hivexregedit', ['--merge', path], reg);
  builtHives.set(id, await readFile(path));
}

export interface WindowsDisk {
  readonly disk: string;
  readonly partition: string;
  readonly disks: LoopDisks;
}

/**
 * A Windows-like disk: an MBR with one NTFS partition (type 7) made by mkntfs,
 * holding Windows/System32/config with real hives, on a loop device. The
 * disk is 96 MiB and the partition is grown to fill it after the volume was
 * made at 48 MiB, as FixPartitionTable leaves a copied image.
 */
export async function createWindowsDisk(spec: WindowsImageSpec): Promise<WindowsDisk> {
  const disks = new LoopDisks();
  try {
    const dir = await disks.workdir();
    const file = join(dir, 'windows.img');
    await writeFile(file, '');
    await truncate(file, 48 * 1024 * 1024);
    await run('sfdisk', ['--quiet', file], 'label: dos\n2048,,7\n');
    const build = await disks.attach(file);
    await run('mkntfs', ['--quick', '--force', '--label', 'Windows', partitionPath(build, 1)]);
    const mountpoint = await disks.mount(partitionPath(build, 1), 'rw');
    await fillWindowsTree(mountpoint, spec);
    await disks.unmount(mountpoint);
    await disks.detach(build);
    await truncate(file, 96 * 1024 * 1024);
    await run('sfdisk', ['--quiet', '--no-reread', '-N', '1', file], ', +\n');
    const disk = await disks.attach(file);
    return { disk, partition: partitionPath(disk, 1), disks };
  } catch (error) {
    await disks.release();
    throw error;
  }
}

/**
 * A Windows tree in a plain directory, for the tests of what the tasks
 * refuse: the tasks read and write it as they do a mounted NTFS volume.
 * The caller removes it.
 */
export async function createWindowsTree(spec: WindowsImageSpec): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'snf-image-windows-tree-'));
  await fillWindowsTree(root, spec);
  return root;
}

export async function fillWindowsTree(root: string, spec: WindowsImageSpec): Promise<void> {
  const config = join(root, spec.windowsDir ?? 'Windows', spec.system32Dir ?? 'System32', 'config');
  await mkdir(config, { recursive: true });
  const scratch = await mkdtemp(join(tmpdir(), 'snf-image-hives-'));
  try {
    for (const [name, contents] of Object.entries(spec.hives)) {
      // Built outside the volume: hivex rewrites the file in place many times.
      await buildHive(join(scratch, name), contents);
      await run('cp', [join(scratch, name), join(config, name)]);
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  for (const [path, text] of Object.entries(spec.files ?? {})) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  for (const [path, target] of Object.entries(spec.symlinks ?? {})) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await run('ln', ['-s', target, join(root, path)]);
  }
}
