import { SnfImageError } from '../errors.ts';
import type { Processes } from '../effects/processes.ts';
import { isExtended, type PartitionTable } from './partition-table.ts';
import type { PartitionNodes } from './task.ts';

export class DamagedFilesystem extends SnfImageError {
  override readonly name = 'DamagedFilesystem';
}

/** Where mke2fs puts the first backup superblock for each block size (e2fsck's own suggestions). */
const BACKUP_SUPERBLOCKS = [
  { blockSize: 1024, block: 8193 },
  { blockSize: 2048, block: 16384 },
  { blockSize: 4096, block: 32768 },
];

interface Deps {
  readonly processes: Processes;
  readonly partitions: PartitionNodes;
  readonly signal: AbortSignal;
}

/**
 * Refuses an image with a damaged ext2/3/4 filesystem before anything is
 * written: a superblock that does not read (bad checksum), a journal whose
 * superblock is invalid, features the helper's e2fsprogs and kernel do not
 * know, or a primary superblock so damaged that blkid no longer sees a
 * filesystem while a backup superblock is intact. Without this, the first
 * two failed later in a task with a tool's message, a damaged journal was
 * deleted and recreated by e2fsck without a word, and a filesystem without
 * its primary superblock was skipped by detection. dumpe2fs -h reads the
 * superblock and the journal's, and writes nothing.
 */
export async function checkExtFilesystems(deps: Deps, disk: string, table: PartitionTable): Promise<void> {
  const partitions = table.partitions.filter((p) => !isExtended(table, p)).map((p) => ({ number: p.number, device: deps.partitions.path(disk, p.number) }));
  const types = await blkidTypes(deps, partitions.map((p) => p.device));
  for (const { number, device } of partitions) {
    const where = `partition ${number} of ${disk}`;
    const fstype = types.get(device);
    if (fstype === undefined) await checkPrimarySuperblock(deps, device, where);
    else if (/^ext[234]$/.test(fstype)) await checkReadable(deps, device, `The ${fstype} filesystem on ${where}`);
  }
}

/** The filesystem type of each device that has one, from one blkid process (a process costs under TCG). */
async function blkidTypes(deps: Deps, devices: readonly string[]): Promise<Map<string, string>> {
  if (devices.length === 0) return new Map();
  // Exit code 2 means none of them holds anything blkid knows.
  const { stdout } = await deps.processes.run('blkid', ['-o', 'export', ...devices], { allowFailure: true, signal: deps.signal });
  const types = new Map<string, string>();
  for (const block of stdout.split(/\n\s*\n/)) {
    const fields = new Map(block.split('\n').filter((line) => line.includes('=')).map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)] as const));
    const [device, type] = [fields.get('DEVNAME'), fields.get('TYPE')];
    if (device !== undefined && type !== undefined) types.set(device, type);
  }
  return types;
}

async function checkReadable(deps: Deps, device: string, subject: string): Promise<void> {
  const header = await deps.processes.run('dumpe2fs', ['-h', device], { allowFailure: true, signal: deps.signal });
  if (header.exitCode === 0) {
    // e2fsprogs names a feature bit it does not know FEATURE_<C|I|R><bit>; an unknown compat one is harmless.
    const features = /^Filesystem features:(.*)$/m.exec(header.stdout)?.[1] ?? '';
    const unknown = features.split(/\s+/).filter((f) => /^FEATURE_[IR]\d+$/.test(f));
    if (unknown.length > 0) throw unsupportedFeatures(subject, unknown.join(' '));
    return;
  }
  const problem = toolProblem(header.stderr);
  if (/unsupported feature/i.test(problem)) {
    // Unknown incompatible features stop dumpe2fs at the open; e2fsck -n, read-only, names them.
    const check = await deps.processes.run('e2fsck', ['-n', device], { allowFailure: true, signal: deps.signal });
    throw unsupportedFeatures(subject, /unsupported feature\(s\):\s*(.+)$/m.exec(`${check.stdout}\n${check.stderr}`)?.[1]?.trim() ?? 'unknown');
  }
  throw new DamagedFilesystem(`${subject} is damaged (${problem}): repair the image (e2fsck -f on that partition) before deploying it`);
}

function unsupportedFeatures(subject: string, features: string): DamagedFilesystem {
  return new DamagedFilesystem(
    `${subject} uses features the helper's e2fsprogs does not know (${features}): it could not be checked, grown or mounted read-write; deploy it with a newer helper image, or turn the features off in the image`,
  );
}

async function checkPrimarySuperblock(deps: Deps, device: string, where: string): Promise<void> {
  for (const { blockSize, block } of BACKUP_SUPERBLOCKS) {
    const backup = await deps.processes.run('dumpe2fs', ['-o', `superblock=${block}`, '-o', `blocksize=${blockSize}`, '-h', device], { allowFailure: true, signal: deps.signal });
    if (backup.exitCode !== 0) continue;
    const primary = toolProblem((await deps.processes.run('dumpe2fs', ['-h', device], { allowFailure: true, signal: deps.signal })).stderr);
    throw new DamagedFilesystem(
      `The ext filesystem on ${where} has a damaged primary superblock (${primary}); its backup at block ${block} is intact: repair the image (e2fsck -b ${block} -B ${blockSize} on that partition) before deploying it`,
    );
  }
}

/** The reason in an e2fsprogs error (`dumpe2fs: Bad magic number in super-block while trying to open X`, `Journal superblock magic number invalid!`). */
function toolProblem(stderr: string): string {
  const lines = stderr.split('\n').map((line) => line.trim()).filter((line) => line !== '' && !/^dumpe2fs \d/.test(line) && !/^Couldn't find valid filesystem superblock/.test(line));
  const line = lines.at(0) ?? 'dumpe2fs cannot read it';
  return line.replace(/^dumpe2fs: /, '').replace(/ while trying to open .*$/, '').replace(/!$/, '');
}
