import { execFileSync } from 'node:child_process';
import { readdir, readFile, readlink } from 'node:fs/promises';

/** What one create may have touched: the directory its test owns, its disk, its TMPDIR. */
export interface CreateFootprint {
  /** Everything of the run lives under it: disk file, configuration, traces, TMPDIR. */
  readonly runDir: string;
  /** The instance disk as create was given it: a file, or a loop device the test made. */
  readonly disk: string;
  /** create's TMPDIR, where its work directories go: the test's own, not shared with other creates. */
  readonly tmpdir: string;
  /** Loop devices the test itself attached (a loop device as the instance disk): not leftovers. */
  readonly ownLoops?: readonly string[];
  /** Mount points the test itself made (a small filesystem for the disk): not leftovers. */
  readonly ownMounts?: readonly string[];
}

/**
 * What a create left behind on this node, as sentences; [] when nothing:
 * a process naming the run (qemu, its supervisor, a tool), an open file
 * descriptor on the disk or in the run's directory, a loop device on a file
 * of the run, an attached nbd device, a mount under the run or on the disk,
 * a work directory in its TMPDIR.
 */
export async function leftovers(run: CreateFootprint, options: LeftoverOptions = {}): Promise<string[]> {
  const found: string[] = [];
  const self = String(process.pid);
  for (const pid of (await readdir('/proc')).filter((p) => /^\d+$/.test(p) && p !== self)) {
    const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).replaceAll('\0', ' ');
    if ([run.runDir, run.tmpdir].some((path) => cmdline.includes(path)) || namesPath(cmdline, run.disk)) found.push(`process ${pid} is still running: ${cmdline.slice(0, 200)}`);
    for (const fd of await readdir(`/proc/${pid}/fd`).catch(() => [])) {
      const target = await readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
      if (target === run.disk || target.startsWith(`${run.runDir}/`) || target.startsWith(`${run.tmpdir}/`)) found.push(`process ${pid} (${cmdline.slice(0, 80)}) has ${target} open`);
    }
  }
  const loops = JSON.parse(execFileSync('losetup', ['--json', '--list'], { encoding: 'utf8' }) || '{"loopdevices":[]}') as { loopdevices: { name: string; 'back-file': string | null }[] };
  for (const loop of loops.loopdevices) {
    if ((loop['back-file'] ?? '').includes(run.runDir) && !run.ownLoops?.includes(loop.name)) found.push(`loop device ${loop.name} is attached to ${loop['back-file']}`);
  }
  for (const nbd of (await readdir('/sys/block')).filter((n) => n.startsWith('nbd'))) {
    const pid = await readFile(`/sys/block/${nbd}/pid`, 'utf8').catch(() => '');
    if (pid !== '') found.push(`/dev/${nbd} is attached (qemu-nbd pid ${pid.trim()})`);
  }
  for (const line of (await readFile('/proc/self/mountinfo', 'utf8')).split('\n')) {
    // ID PARENT MAJ:MIN ROOT MOUNT-POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER-OPTIONS
    const [before = '', after = ''] = line.split(' - ');
    const mountPoint = before.split(' ')[4] ?? '';
    const source = after.split(' ')[1] ?? '';
    const ours = mountPoint.startsWith(run.runDir) || mountPoint.startsWith(run.tmpdir) || source === run.disk;
    if (ours && !run.ownMounts?.includes(mountPoint)) found.push(`${source} is mounted on ${mountPoint}`);
  }
  if (options.workDirs === false) return found;
  // tsx keeps its compile cache there on purpose (tsx-UID), as it does in /tmp on a node.
  for (const name of await readdir(run.tmpdir).catch(() => [])) if (!/^tsx-\d+$/.test(name)) found.push(`${run.tmpdir}/${name} was left in TMPDIR`);
  return found;
}

/** Whether a command line names `path` itself (`file=/dev/loop1,...` names /dev/loop1, not /dev/loop10). */
function namesPath(cmdline: string, path: string): boolean {
  return new RegExp(`(^|[\\s=])${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[\\s,])`).test(cmdline);
}

export interface LeftoverOptions {
  /** false: a create killed with SIGKILL cannot remove its work directories; the next create does. */
  readonly workDirs?: boolean;
}

/**
 * leftovers(), asked again until nothing is left or `withinMs` has passed: a
 * process killed by its parent's death takes a moment to go.
 */
export async function leftoversAfter(run: CreateFootprint, options: LeftoverOptions = {}, withinMs = 15_000): Promise<string[]> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const found = await leftovers(run, options);
    if (found.length === 0 || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 250));
  }
}
