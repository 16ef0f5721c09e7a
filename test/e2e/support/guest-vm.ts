import { createServer } from 'node:net';
import { execa, type ResultPromise } from 'execa';
import { SerialConsole } from './serial-console.ts';

/** A deployed guest booted under qemu, its console, and the host port its SSH server answers on. */
export interface GuestVm {
  readonly console: SerialConsole;
  readonly sshPort: number;
  /** When qemu was started (ms since the epoch). */
  readonly startedAt: number;
}

/**
 * Boots a disk as Ganeti's KVM instance would see it (virtio disk, one virtio
 * NIC with the instance's MAC) under TCG, with qemu's user-mode network: its
 * built-in DHCP server answers 10.0.2.15 and no traffic leaves the machine;
 * the guest's port 22 at `nic.address` is forwarded to a free port on
 * 127.0.0.1. Without `nic` the VM has no NIC at all. The VM is
 * killed when `body` ends, whatever happened.
 */
export async function withGuestVm<T>(disk: string, nic: { mac: string; address: string } | undefined, body: (vm: GuestVm) => Promise<T>): Promise<T> {
  const sshPort = await freePort();
  const network = nic
    ? [
        // Forwarded to the guest's address: qemu would pick its first DHCP one.
        '-netdev', `user,id=nic0,hostfwd=tcp:127.0.0.1:${sshPort}-${nic.address}:22`,
        '-device', `virtio-net-pci,netdev=nic0,mac=${nic.mac}`,
      ]
    : ['-nic', 'none'];
  const startedAt = Date.now();
  const qemu: ResultPromise = execa(
    'qemu-system-x86_64',
    [
      '-machine', 'pc', '-accel', 'tcg', '-m', '768', '-smp', '1',
      '-drive', `file=${disk},format=raw,if=virtio,cache=unsafe`,
      ...network,
      '-display', 'none', '-monitor', 'none', '-serial', 'stdio', '-no-reboot',
    ],
    { stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', reject: false, detached: true, forceKillAfterDelay: 2_000 },
  );
  const console = new SerialConsole(qemu.stdout!, qemu.stdin!);
  try {
    return await body({ console, sshPort, startedAt });
  } finally {
    // A throw-away VM: nothing on its disk needs a clean shutdown.
    try {
      process.kill(-qemu.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
    await qemu;
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => server.listen(0, '127.0.0.1', resolve).on('error', reject));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no TCP port for the guest\'s SSH server');
  return address.port;
}
