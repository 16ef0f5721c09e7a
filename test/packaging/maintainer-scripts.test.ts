import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';

/**
 * The package's postinst and postrm, run as dpkg runs them, in a mount
 * namespace whose /etc is an overlay and whose /var/cache and /var/log are
 * fresh tmpfs: the scripts see the real paths, the host sees nothing of it.
 */
const PACKAGING = fileURLToPath(new URL('../../packaging/deb/', import.meta.url));

/** Runs `steps` (shell) in the namespace; `state LABEL` prints what the scripts may have touched. */
async function inNamespace(steps: string): Promise<Map<string, string>> {
  const script = `set -eu
scratch=$(mktemp -d /dev/shm/snf-image-maintainer-XXXXXX)
mkdir "$scratch/upper" "$scratch/work"
mount -t overlay snf-image-test-etc -o "lowerdir=/etc,upperdir=$scratch/upper,workdir=$scratch/work" /etc
mount -t tmpfs snf-image-test-cache /var/cache
mount -t tmpfs snf-image-test-log /var/log
has() { if [ -e "$1" ]; then printf yes; else printf no; fi; }
state() {
  echo "$1 cache=$(has /var/cache/snf-image) cache-mark=$(has /var/cache/snf-image/.made-by-snf-image-package) log=$(has /var/log/snf-image) cache-file=$(has /var/cache/snf-image/helper) etc=$(has /etc/snf-image) variants=$(has /etc/ganeti/snf-image)"
}
${steps}
`;
  const { stdout } = await execa('unshare', ['--mount', '--propagation', 'private', 'bash', '-c', `trap 'rm -rf "$scratch"' EXIT; ${script}`], { cwd: PACKAGING });
  return new Map(stdout.split('\n').filter((l) => l !== '').map((line) => [line.split(' ')[0]!, line.slice(line.indexOf(' ') + 1)]));
}

describe('the package maintainer scripts', () => {
  it('make the cache and log directories when missing, and purge removes them with the configuration', async () => {
    const states = await inNamespace(`
mkdir -p /etc/snf-image/backends/src /etc/ganeti/snf-image/variants
echo '# mine' > /etc/ganeti/snf-image/variants/mine.conf
sh ./postinst configure
mkdir /var/cache/snf-image/helper
state installed
sh ./postrm remove
state removed
sh ./postrm purge
state purged`);
    assert.equal(states.get('installed'), 'cache=yes cache-mark=yes log=yes cache-file=yes etc=yes variants=yes');
    assert.equal(states.get('removed'), 'cache=yes cache-mark=yes log=yes cache-file=yes etc=yes variants=yes', 'remove keeps the configuration and the caches');
    assert.equal(states.get('purged'), 'cache=no cache-mark=no log=no cache-file=no etc=no variants=no');
  });

  it('leave a cache directory that was there before the package, on install and on purge', async () => {
    const states = await inNamespace(`
mkdir -p /var/cache/snf-image/helper
sh ./postinst configure
state installed
sh ./postrm purge
state purged`);
    assert.equal(states.get('installed'), 'cache=yes cache-mark=no log=yes cache-file=yes etc=no variants=no');
    assert.equal(states.get('purged'), 'cache=yes cache-mark=no log=no cache-file=yes etc=no variants=no');
  });
});
