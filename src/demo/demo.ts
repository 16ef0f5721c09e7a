import { randomBytes } from 'node:crypto';
import { mkdir, rm, truncate, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Writable } from 'node:stream';
import { debianGuestImage } from '../../scripts/fixtures/debian-guest-image.ts';
import { runViz } from '../cli/viz.ts';
import { ensureHelperImage } from '../helper-image/build.ts';
import { deploy } from '../ganeti/create.ts';
import { phaseTimes } from '../host/phase-times.ts';
import { readTraceFile } from '../effects/trace.ts';
import { createLogger } from '../log.ts';
import { oneDiskCreateEnvironment, writeConfigFile } from './create-environment.ts';
import { guestSnapshot, type GuestSnapshot } from './guest-snapshot.ts';

const USAGE = `usage: snf-image demo [--dir DIR]

Deploys the sample image (a Debian 12 guest built from Debian packages on
first use) into a 4 GiB disk file, customized through the helper VM, and
prints each phase's time, what changed on the disk, and where the run's trace
is. DIR (default /var/tmp/snf-image-demo) holds the disk, the configuration,
the trace and the trace's HTML view. Needs root (debootstrap, loop devices).
`;

const GiB = 1024 ** 3;

/**
 * The README's first command: the whole product on a built-in default.
 * Everything it builds is cached (helper image, sample image), so a second
 * run costs only the deployment.
 */
export async function runDemo(args: readonly string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const dirAt = args.indexOf('--dir');
  if (args.includes('--help') || (args.length > 0 && (dirAt !== 0 || args.length !== 2))) {
    out.write(USAGE);
    return args.includes('--help') ? 0 : 2;
  }
  const dir = dirAt === 0 ? args[1]! : '/var/tmp/snf-image-demo';
  const say = (line = '') => out.write(`${line}\n`);
  const log = createLogger(process.env.SNF_IMAGE_LOG_LEVEL ?? 'warn');

  say('Preparing: the helper VM image and the sample Debian 12 image (built once, then cached)...');
  const started = performance.now();
  const helperDir = await ensureHelperImage({ log });
  const image = await debianGuestImage();
  say(`  ready in ${seconds(performance.now() - started)}: HELPER_DIR=${helperDir}`);
  say(`  sample image: ${image}`);

  await rm(dir, { recursive: true, force: true });
  await mkdir(join(dir, 'traces'), { recursive: true });
  const disk = join(dir, 'disk0.img');
  await writeFile(disk, '');
  await truncate(disk, 4 * GiB);
  const configFile = join(dir, 'snf-image.conf');
  await writeConfigFile(configFile, { IMAGE_DIR: dirname(image), HELPER_DIR: helperDir, TRACE_DIR: join(dir, 'traces'), HELPER_SOFT_TIMEOUT: '600' });
  const password = randomBytes(9).toString('base64url');
  const env = oneDiskCreateEnvironment({
    name: 'demo.example.org',
    disk,
    mac: 'aa:00:00:de:e0:01',
    configFile,
    parameters: {
      OSP_IMG_ID: basename(image),
      OSP_IMG_FORMAT: 'diskdump',
      OSP_IMG_PASSWD: password,
      OSP_IMG_PROPERTIES: JSON.stringify({ OSFAMILY: 'linux', ROOT_PARTITION: '1', SWAP: '2:512' }),
      OSP_IMG_PERSONALITY: JSON.stringify([{ path: '/etc/motd', contents: Buffer.from('Deployed by snf-image.\n').toString('base64'), owner: 'root', group: 'root', mode: 0o644 }]),
    },
  });

  const before = await guestSnapshot(image);
  say();
  say(`Deploying ${basename(image)} onto ${disk} (4 GiB) as demo.example.org, root password ${password} ...`);
  const monitor = new Writable({ write: (chunk, _e, done) => void (reportMonitor(String(chunk), say), done()) });
  const { output, tracePath } = await deploy(env, { log, stdout: monitor as never });
  say();
  say(output.ok ? 'Deployed.' : `FAILED in ${output.failure?.step}: ${output.failure?.message}`);
  if (tracePath) {
    say();
    say('Time per phase:');
    for (const { phase, ms } of phaseTimes(readTraceFile(tracePath))) say(`  ${phase.padEnd(40)} ${seconds(ms)}`);
  }
  if (output.ok) {
    const after = await guestSnapshot(disk);
    say();
    say('What changed on the disk:');
    for (const line of describeChanges(before, after)) say(`  ${line}`);
  }
  if (tracePath) {
    const html = join(dir, 'run.html');
    await runViz([tracePath, '--out', html]);
    say();
    say(`Trace: ${tracePath}`);
    say(`  replay it:   snf-image replay ${tracePath}`);
    say(`  view it:     open ${html}  (or: snf-image viz ${tracePath})`);
  }
  return output.ok ? 0 : 1;
}

function reportMonitor(text: string, say: (line: string) => void): void {
  for (const line of text.split('\n')) {
    if (!line.startsWith('[MONITOR] ')) continue;
    const message = JSON.parse(line.slice(10)) as { type: string; subtype?: string; task?: string; messages?: string[] };
    if (message.type === 'image-info') say(`  ${message.messages?.join(' ')}`);
    else if (message.type === 'image-helper' && message.subtype === 'task-end') say(`    done: ${message.task}`);
    else if (message.type === 'image-helper' && message.subtype === 'warning') say(`    warning: ${message.messages?.join(' ').trim()}`);
    else if (message.type === 'image-error' || message.subtype === 'error') say(`  error: ${message.messages?.join(' ') ?? ''}`);
  }
}

/** The differences an operator cares about, in words. */
export function describeChanges(before: GuestSnapshot, after: GuestSnapshot): string[] {
  const lines: string[] = [];
  const mib = (bytes: number) => `${Math.round(bytes / 1024 ** 2)} MiB`;
  lines.push(`partitions: ${before.partitions.map((p) => `${p.number}:${p.type} ${mib(p.bytes)}`).join(', ')} -> ${after.partitions.map((p) => `${p.number}:${p.type} ${mib(p.bytes)}`).join(', ')}`);
  lines.push(`root filesystem: ${mib(before.rootFilesystemBytes)} -> ${mib(after.rootFilesystemBytes)}, ${after.rootFilesystemClean ? 'clean' : 'NOT clean'}`);
  const changed = (label: string, a: string, b: string, show: (text: string) => string = oneLine) =>
    lines.push(a === b ? `${label}: unchanged` : `${label}: ${show(a) || '(none)'} -> ${show(b) || '(none)'}`);
  changed('hostname', before.hostname, after.hostname);
  changed('root password hash', before.rootHash, after.rootHash, (h) => (h.length > 24 ? `${h.slice(0, 20)}...` : h));
  changed('machine id', before.machineId, after.machineId);
  // Keys of one type share their first characters: show their ends.
  changed('ssh host key (ed25519)', before.hostKey, after.hostKey, (k) => (k ? `...${k.slice(-16)}` : k));
  changed('/etc/motd', before.motd, after.motd, (m) => (m.length > 60 ? `${oneLine(m).slice(0, 57)}...` : oneLine(m)));
  changed('swap in fstab', before.swapEntry, after.swapEntry);
  changed('network (/etc/network/interfaces)', before.network, after.network, (n) => oneLine(n.split('\n').filter((l) => l.trim() && !l.startsWith('#')).join('\n')));
  return lines;
}

function oneLine(text: string): string {
  return text.trim().replace(/\s*\n+\s*/g, ' | ').replace(/\t/g, ' ');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
