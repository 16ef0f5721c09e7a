import { mkdir, truncate, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { oneDiskCreateEnvironment, writeConfigFile } from '../../../src/demo/create-environment.ts';
import { deploy } from '../../../src/ganeti/create.ts';
import { createLogger } from '../../../src/log.ts';

export interface FileDeployment {
  readonly dir: string;
  readonly image: string;
  readonly helperDir: string;
  readonly instance: string;
  readonly mac: string;
  readonly diskBytes: number;
  /** OSP_* values by parameter name. */
  readonly parameters: Readonly<Record<string, string>>;
  /** NIC_0_* values that replace the DHCP NIC's. */
  readonly nic?: Readonly<Record<string, string>>;
}

/**
 * Runs the real `create` with a Ganeti-style environment: the image (a
 * diskdump in its cache directory) onto a new sparse file disk in `dir`,
 * through the helper VM under TCG. Returns the disk and what create said.
 */
export async function deployToFile(d: FileDeployment) {
  await mkdir(d.dir, { recursive: true });
  const disk = join(d.dir, 'disk0');
  await writeFile(disk, '');
  await truncate(disk, d.diskBytes);
  const configFile = join(d.dir, 'snf-image.conf');
  await writeConfigFile(configFile, {
    IMAGE_DIR: dirname(d.image),
    HELPER_DIR: d.helperDir,
    HELPER_ACCEL: 'tcg',
    TRACE_DIR: join(d.dir, 'traces'),
    HELPER_SOFT_TIMEOUT: '600',
  });
  const env = {
    ...oneDiskCreateEnvironment({
      name: d.instance,
      disk,
      mac: d.mac,
      configFile,
      parameters: { OSP_IMG_ID: basename(d.image), OSP_IMG_FORMAT: 'diskdump', ...d.parameters },
    }),
    ...d.nic,
  };
  const said: string[] = [];
  const stdout = new Writable({ write: (chunk, _encoding, done) => void (said.push(String(chunk)), done()) });
  const { output } = await deploy(env, { log: createLogger('warn'), stdout: stdout as never });
  return { disk, output, said: said.join('') };
}
