import { execa } from 'execa';
import { withGuestVm } from './guest-vm.ts';
import type { SerialConsole } from './serial-console.ts';

/** What the deployment was asked to do, and what the image was before it. */
export interface BootExpectations {
  readonly hostname: string;
  readonly password: string;
  readonly mac: string;
  /** The address the NIC must have: qemu's DHCP answer, or the static one configured. */
  readonly address: string;
  readonly authorizedKey: string;
  readonly injectedFile: { readonly path: string; readonly contents: string };
  readonly swap: boolean;
  /** The root filesystem must be at least this big (the image's was smaller). */
  readonly minRootBytes: number;
  readonly original: { readonly machineId: string; readonly hostKeyFingerprint: string };
}

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

export interface BootVerdict {
  readonly checks: readonly Check[];
  /** qemu start to the login prompt. */
  readonly loginSeconds: number;
  /** qemu start to `systemctl is-system-running` answering. */
  readonly settledSeconds: number;
  /** The name the guest gave the NIC with the instance's MAC. */
  readonly nicName: string;
}

// Generous: under TCG on a busy 2-core machine a Debian 13 guest took more than 5 minutes to its login prompt.
const BOOT_TIMEOUT_MS = 600_000;

/**
 * Boots the deployed disk, logs in on the serial console with the password
 * that was set, and checks what a user of the instance would find. Every
 * check runs even when one fails, so one boot shows everything wrong.
 */
export async function bootCheck(disk: string, expect: BootExpectations): Promise<BootVerdict> {
  return withGuestVm(disk, { mac: expect.mac, address: expect.address.split('/')[0]! }, async ({ console, sshPort, startedAt }) => {
    await console.login(expect.password, BOOT_TIMEOUT_MS);
    const loginSeconds = (Date.now() - startedAt) / 1000;
    const checks: Check[] = [];
    const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
    const sh = async (command: string, timeoutMs = 60_000) => (await console.run(command, timeoutMs)).output;

    const state = await systemState(console);
    const settledSeconds = (Date.now() - startedAt) / 1000;
    check('system running', state === 'running', state);

    const hostname = await sh('hostname');
    check('hostname', hostname === expect.hostname, hostname);

    const rootBytes = Number(await sh('findmnt -bno SIZE /'));
    check('root grown', rootBytes >= expect.minRootBytes, `${(rootBytes / 1024 ** 3).toFixed(2)} GiB`);

    const swaps = await sh('swapon --noheadings --show=NAME');
    check('swap', expect.swap ? swaps !== '' : swaps === '', swaps || 'none');

    const nicName = await sh(`ip -o link | awk -v mac=${expect.mac.toLowerCase()} '$0 ~ mac { sub(":", "", $2); print $2 }'`);
    const address = nicName ? await waitForAddress(console, nicName) : '';
    check('NIC address', address.split(/\s+/).includes(expect.address), `${nicName || 'no NIC with the MAC'} ${address || 'no IPv4 address'}`);

    const sshd = await sh('systemctl is-active ssh');
    const guestKey = (await sh('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub')).split(' ')[1] ?? '';
    const served = await servedHostKey(sshPort);
    check('sshd with new host keys', sshd === 'active' && guestKey !== expect.original.hostKeyFingerprint && served === guestKey, `${sshd}, serves ${served || 'nothing'}`);

    const keys = await sh('cat /root/.ssh/authorized_keys');
    check('authorized key', keys.split('\n').includes(expect.authorizedKey), `${keys.split('\n').length} line(s)`);

    const injected = await sh(`cat ${expect.injectedFile.path}`);
    check('injected file', injected === expect.injectedFile.contents.trimEnd(), injected.slice(0, 60));

    const machineId = await sh('cat /etc/machine-id');
    check('new machine id', /^[0-9a-f]{32}$/.test(machineId) && machineId !== expect.original.machineId, machineId);

    return { checks, loginSeconds, settledSeconds, nicName };
  });
}

/**
 * Boots the deployed disk with no NIC at all, as an instance whose NIC was
 * removed, and says what `systemctl is-system-running` answers, with the
 * failed units when it is not `running`.
 */
export async function bootWithoutNic(disk: string, password: string): Promise<string> {
  return withGuestVm(disk, undefined, async ({ console }) => {
    await console.login(password, BOOT_TIMEOUT_MS);
    return systemState(console);
  });
}

/**
 * `systemctl is-system-running` once boot is over, with each failed unit's
 * last log lines when it is not `running`. Only the last line is the answer:
 * services such as cloud-init also write to the console while boot goes on.
 */
async function systemState(console: SerialConsole): Promise<string> {
  const state = (await console.run('timeout 240 systemctl is-system-running --wait', 250_000)).output.split('\n').at(-1) ?? '';
  if (state === 'running') return state;
  const failed = await console.run('for u in $(systemctl --failed --no-legend --plain | cut -d" " -f1); do echo "$u: $(journalctl -b -q -o cat -n 3 -u "$u" | xargs)"; done', 60_000);
  return `${state} (failed units: ${failed.output.split('\n').join('; ')})`;
}

/** The NIC's IPv4 addresses, waiting a little for a DHCP answer that is still on its way. */
async function waitForAddress(console: SerialConsole, nic: string): Promise<string> {
  const command = `for i in $(seq 60); do a=$(ip -4 -o addr show dev ${nic} | awk '{ print $4 }' | xargs); [ -n "$a" ] && break; sleep 1; done; echo "$a"`;
  return (await console.run(command, 90_000)).output;
}

/** The ed25519 host key the guest's SSH server presents, as a fingerprint. */
async function servedHostKey(port: number): Promise<string> {
  // The key exchange runs under TCG: on a busy node one attempt can time out with sshd up and well.
  for (let attempt = 0; attempt < 3; attempt++) {
    const scan = await execa('ssh-keyscan', ['-T', '30', '-t', 'ed25519', '-p', String(port), '127.0.0.1'], { reject: false });
    if (!scan.stdout.trim()) continue;
    const fingerprint = await execa('ssh-keygen', ['-lf', '-'], { input: scan.stdout, reject: false });
    return fingerprint.stdout.split(' ')[1] ?? '';
  }
  return '';
}
