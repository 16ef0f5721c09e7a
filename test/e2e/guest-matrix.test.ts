import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ensureHelperImage } from '../../src/helper-image/build.ts';
import { createLogger } from '../../src/log.ts';
import { bootCheck, bootWithoutNic, type BootVerdict } from './support/boot-check.ts';
import { deployToFile } from './support/deploy-to-file.ts';
import { GUESTS, guestImage, type GuestRecipe } from './support/guest-recipes.ts';

const GiB = 1024 ** 3;
const PASSWORD = 'matrix pass phrase';
const AUTH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGb0ZJ2J2jvNqB0WcC6v0hH2dTzj2m3E7O8oJ8l2a5hQ matrix@example.org';
const INJECTED = { path: '/etc/snf-image-boot-check', contents: 'injected by the personality\n' };
const MAC = 'aa:00:00:4e:2e:12';
// qemu's user-mode network: its DHCP server gives the first guest 10.0.2.15; 10.0.2.2 is the gateway.
const DHCP_ADDRESS = '10.0.2.15/24';
const STATIC_ADDRESS = '10.0.2.20/24';
const STATIC_NIC = { NIC_0_IP: '10.0.2.20', NIC_0_NETWORK_SUBNET: '10.0.2.0/24', NIC_0_NETWORK_GATEWAY: '10.0.2.2', NIC_0_NETWORK_TAGS: '' };

// SNF_IMAGE_GUEST_MATRIX=full runs every guest; SNF_IMAGE_GUESTS=name,name runs those only.
const FULL = process.env.SNF_IMAGE_GUEST_MATRIX === 'full';
const ONLY = process.env.SNF_IMAGE_GUESTS?.split(',').filter(Boolean);
const MATRIX = GUESTS.filter((guest) => (ONLY ? ONLY.includes(guest.name) : FULL || !guest.fullOnly));

interface Row {
  readonly guest: GuestRecipe;
  readonly verdict: string;
  readonly deploySeconds: number;
  readonly boot?: BootVerdict;
}

/**
 * Every guest of the matrix is deployed by the real `create` and then booted
 * under qemu with a NIC carrying NIC_0_MAC: the user of the instance logs in
 * with the password that was set and finds it named, grown, with swap, on the
 * network, reachable over SSH with new host keys. Two guests at a time: one
 * VM each (the helper, then the guest), on the machine's two cores.
 */
describe('deployed guests boot and come up on the network', { concurrency: 2, timeout: 60 * 60_000 }, () => {
  let helperDir: string;
  let work: string;
  const rows: Row[] = [];
  const started = Date.now();

  before(async () => {
    helperDir = await ensureHelperImage({ log: createLogger('warn') });
    work = await mkdtemp(join(tmpdir(), 'guest-matrix-'));
  });
  after(async () => {
    await rm(work, { recursive: true, force: true });
    process.stdout.write(matrixTable(rows, (Date.now() - started) / 1000));
  });

  for (const guest of MATRIX) {
    it(`${guest.name}: ${guest.network} on ${guest.suite}, ${guest.layout}${guest.kernelArgs ? `, ${guest.kernelArgs}` : ''}${guest.staticIpv4 ? ', static IPv4' : ''}`, async () => {
      const image = await guestImage(guest);
      const deployStart = Date.now();
      const { disk, output, said } = await deployToFile({
        dir: join(work, guest.name),
        image: image.path,
        helperDir,
        instance: `${guest.name}.example.org`,
        mac: MAC,
        diskBytes: 4 * GiB,
        nic: guest.staticIpv4 ? STATIC_NIC : undefined,
        parameters: {
          OSP_IMG_PASSWD: PASSWORD,
          OSP_AUTH_KEYS: AUTH_KEY,
          OSP_IMG_PROPERTIES: JSON.stringify({
            OSFAMILY: 'linux',
            ROOT_PARTITION: String(image.rootPartition),
            SWAP: `${image.rootPartition + 1}:256`,
            ...(guest.network === 'cloud-init' ? { CLOUD_INIT: 'yes' } : {}),
          }),
          OSP_IMG_PERSONALITY: JSON.stringify([{ path: INJECTED.path, contents: Buffer.from(INJECTED.contents).toString('base64'), owner: 'root', group: 'root', mode: 0o644 }]),
        },
      });
      const deploySeconds = (Date.now() - deployStart) / 1000;
      if (!output.ok) {
        rows.push({ guest, verdict: `create failed: ${output.failure?.message}`, deploySeconds });
        assert.fail(`create failed: ${output.failure?.message}\n${said.slice(-2000)}`);
      }
      const boot = await bootCheck(disk, {
        hostname: `${guest.name}.example.org`,
        password: PASSWORD,
        mac: MAC,
        address: guest.staticIpv4 ? STATIC_ADDRESS : DHCP_ADDRESS,
        authorizedKey: AUTH_KEY,
        injectedFile: INJECTED,
        swap: true,
        minRootBytes: 3 * GiB,
        original: image,
      }).catch((error: unknown) => {
        rows.push({ guest, verdict: `FAIL: ${String(error).split('\n')[0]}`, deploySeconds });
        throw error;
      });
      const checks = [...boot.checks];
      if (guest.alsoWithoutNic) {
        const state = await bootWithoutNic(disk, PASSWORD);
        checks.push({ name: 'running without its NIC', ok: state === 'running', detail: state });
      }
      const failed = checks.filter((check) => !check.ok);
      rows.push({ guest, verdict: failed.length ? `FAIL: ${failed.map((c) => `${c.name} (${c.detail})`).join('; ')}` : 'pass', deploySeconds, boot });
      assert.deepEqual(failed, [], 'every check passes');
    });
  }
});

/** The matrix as a Markdown table, as docs/guest-matrix.md records it. */
function matrixTable(rows: readonly Row[], totalSeconds: number): string {
  const lines = [
    '',
    `guest matrix (${ONLY ? ONLY.join(', ') : FULL ? 'full' : 'npm test'}): ${rows.length} guests in ${totalSeconds.toFixed(0)} s`,
    '| guest | stack | suite | layout | NIC | create (s) | login (s) | running (s) | verdict |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const { guest, verdict, deploySeconds, boot } of rows) {
    const cells = [guest.name, guest.network, guest.suite, guest.layout, boot?.nicName ?? '-', deploySeconds.toFixed(0), boot?.loginSeconds.toFixed(0) ?? '-', boot?.settledSeconds.toFixed(0) ?? '-', verdict];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return `${lines.join('\n')}\n`;
}
