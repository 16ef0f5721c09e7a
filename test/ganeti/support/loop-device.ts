import { execa } from 'execa';

/** Attaches a file as a loop device for the body, and always detaches it; undefined when loop devices are unavailable. */
export async function withLoopDevice<T>(file: string, body: (device: string) => Promise<T>): Promise<T | undefined> {
  let device: string;
  try {
    device = (await execa('losetup', ['--show', '-f', file])).stdout.trim();
  } catch {
    return undefined;
  }
  try {
    return await body(device);
  } finally {
    await execa('losetup', ['-d', device]);
  }
}
