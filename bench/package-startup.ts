// The package's start-up: how long Ganeti waits for `verify parameters`, the
// script it runs on every add, reinstall and modify, from the Debian
// package's bundle and from a checkout through tsx, in the same run. The
// bundle is built by scripts/build-deb.ts and taken out of the .deb; verify
// reads none of the package's other files, so it runs from there.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median, WORK_DIR } from './bench-support.ts';

const ROUNDS = Number(process.env.SNF_IMAGE_BENCH_ROUNDS ?? 11);
const REPO = fileURLToPath(new URL('..', import.meta.url));

export async function run(): Promise<void> {
  const dir = join(WORK_DIR, 'package-startup');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const deb = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/build-deb.ts', dir], { cwd: REPO, encoding: 'utf8' }).trim();
  execFileSync('dpkg-deb', ['-x', deb, join(dir, 'root')]);
  const config = join(dir, 'snf-image.conf');
  writeFileSync(config, '');
  const env = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', OS_API_VERSION: '20', OSP_IMG_ID: 'debian', OSP_IMG_FORMAT: 'diskdump', SNF_IMAGE_CONFIG_FILE: config };

  const time = (entry: string) => {
    const seconds: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const started = performance.now();
      const result = spawnSync(process.execPath, [entry, 'verify', 'parameters'], { env, cwd: '/' });
      if (result.status !== 0) throw new Error(`${entry} verify failed: ${result.stderr}`);
      seconds.push((performance.now() - started) / 1000);
    }
    return median(seconds);
  };
  const bundled = time(join(dir, 'root/usr/share/snf-image/snf-image.mjs'));
  const checkout = time(join(REPO, 'bin/snf-image.js'));
  console.log(`snf-image verify parameters, median of ${ROUNDS}: package bundle ${bundled.toFixed(3)} s, checkout through tsx ${checkout.toFixed(3)} s (${(checkout / bundled).toFixed(1)}x)`);
  rmSync(dir, { recursive: true, force: true });
}
