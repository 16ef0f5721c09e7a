import { execa } from 'execa';

/**
 * Attaches a disk image file to a loop device with its partition nodes
 * (`partx -a`: here `losetup -P` makes none) for the body, and always detaches
 * it, whatever the body did.
 */
export async function withPartitionedLoop<T>(file: string, body: (device: string) => Promise<T>, options: { readOnly?: boolean } = {}): Promise<T> {
  const device = (await execa('losetup', ['--show', '-f', ...(options.readOnly ? ['-r'] : []), file])).stdout.trim();
  try {
    await execa('partx', ['-a', device]).catch(() => undefined); // a disk with no table has no partitions to add
    return await body(device);
  } finally {
    await execa('partx', ['-d', device]).catch(() => undefined);
    await execa('losetup', ['-d', device]);
  }
}

/** A file of an ext2/3/4 filesystem read with debugfs: nothing is mounted. */
export async function readExtFile(partition: string, path: string): Promise<string> {
  const { stdout } = await execa('debugfs', ['-R', `cat "${path}"`, partition], { stripFinalNewline: false });
  return stdout;
}

/** Mode, uid and gid of a path on an ext2/3/4 filesystem, or undefined when it does not exist. */
export async function statExtFile(partition: string, path: string): Promise<{ mode: number; uid: number; gid: number } | undefined> {
  const { stdout, stderr } = await execa('debugfs', ['-R', `stat "${path}"`, partition]);
  if (/File not found/.test(stderr) || stdout.trim() === '') return undefined;
  const mode = /Mode:\s+0?([0-7]+)/.exec(stdout)?.[1];
  const uid = /User:\s+(\d+)/.exec(stdout)?.[1];
  const gid = /Group:\s+(\d+)/.exec(stdout)?.[1];
  return { mode: parseInt(mode ?? '0', 8), uid: Number(uid), gid: Number(gid) };
}

/** Names in a directory of an ext2/3/4 filesystem. */
export async function listExtDir(partition: string, path: string): Promise<string[]> {
  const { stdout } = await execa('debugfs', ['-R', `ls -p "${path}"`, partition]);
  return stdout.split('\n').flatMap((line) => {
    const name = line.split('/')[5];
    return name && name !== '.' && name !== '..' ? [name] : [];
  });
}
