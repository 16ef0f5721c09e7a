// A stand-in for the helper program, for booting the helper image without the
// real one. It proves what the real program relies on: Node starts in the
// root, which is read-only (the program too), the config device mounts and
// holds rules.json, every instance disk it names is there, the kernel has
// entropy for crypto (salts), and the monitor and result ports take lines.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';

// The kernel command line the host writes: rules_dev=, snf_image_result=, snf_image_monitor=.
const cmdline = Object.fromEntries(
  readFileSync('/proc/cmdline', 'utf8')
    .trim()
    .split(/\s+/)
    .map((word) => [word.split('=')[0], word.slice(word.indexOf('=') + 1)]),
);
const result = cmdline.snf_image_result ?? '/dev/ttyS1';
const monitor = cmdline.snf_image_monitor ?? '/dev/ttyS2';

try {
  writeFileSync(monitor, 'TASK_START:StandIn\n');
  for (const path of ['/etc/snf-image-probe', '/usr/lib/snf-image/probe']) {
    let written = true;
    try {
      writeFileSync(path, '');
    } catch {
      written = false;
    }
    if (written) throw new Error(`${path} is writable: the helper root must be read-only`);
  }
  const rulesDir = mkdtempSync('/tmp/rules.');
  execFileSync('mount', ['-o', 'ro', cmdline.rules_dev, rulesDir]);
  const rules = JSON.parse(readFileSync(`${rulesDir}/rules.json`, 'utf8'));
  execFileSync('umount', [rulesDir]);
  for (const device of rules.devices) {
    if (!statSync(device).isBlockDevice()) throw new Error(`${device} is not a block device`);
  }
  randomBytes(16);
  writeFileSync(monitor, 'TASK_END:StandIn\n');
  writeFileSync(result, 'SUCCESS\n');
} catch (error) {
  writeFileSync(result, `ERROR: ${String(error.message ?? error).split('\n')[0]}\n`);
}
