import assert from 'node:assert/strict';
import { test } from 'node:test';
import { execa } from 'execa';
import { debianGuestImage } from '../../scripts/fixtures/debian-guest-image.ts';

const LOGIN_TIMEOUT_MS = Number(process.env.SNF_IMAGE_GUEST_BOOT_TIMEOUT_MS ?? 300_000);

test('the Debian 12 guest fixture boots through GRUB and systemd to a login prompt', { timeout: 30 * 60_000 }, async (t) => {
  const image = await debianGuestImage();
  const started = performance.now();
  // snapshot=on: the guest's writes go to a temporary overlay, the cached image stays as built.
  const qemu = execa(
    'qemu-system-x86_64',
    ['-accel', 'tcg', '-machine', 'q35', '-m', '512', '-nodefaults', '-nic', 'none', '-display', 'none', '-monitor', 'none', '-no-reboot',
      '-drive', `file=${image},format=raw,if=virtio,snapshot=on`, '-serial', 'stdio'],
    { reject: false, stdin: 'ignore', timeout: LOGIN_TIMEOUT_MS, killSignal: 'SIGKILL' },
  );
  let output = '';
  const sawLogin = new Promise<boolean>((resolve) => {
    qemu.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (/login:/.test(output)) resolve(true);
    });
    void qemu.then(() => resolve(false));
  });
  try {
    const loggedIn = await sawLogin;
    t.diagnostic(`power-on to login prompt: ${Math.round(performance.now() - started) / 1000} s`);
    assert.ok(loggedIn, `no login prompt within ${LOGIN_TIMEOUT_MS} ms:\n${output.slice(-3000)}`);
    assert.match(output, /Debian GNU\/Linux 12/);
  } finally {
    qemu.kill('SIGKILL');
    await qemu;
  }
});
