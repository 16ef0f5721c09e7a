import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { hostname, networkInterfaces } from 'node:os';
import { join } from 'node:path';

/**
 * What the Ganeti test could disturb on the host, captured before and after
 * so the test can prove it left the machine as it found it. Other tests run
 * at the same time, so only what this test could have touched is compared:
 * Ganeti's and snf-image's paths, root's ssh directory, the host's name and
 * addresses, Ganeti and sshd processes, and mounts of the test's own names.
 */
export interface HostState {
  readonly hostname: string;
  readonly files: Readonly<Record<string, string>>;
  readonly addresses: readonly string[];
  readonly processes: readonly string[];
  readonly testMounts: readonly string[];
}

const WATCHED = ['/etc/hosts', '/etc/nsswitch.conf', '/etc/ganeti', '/etc/snf-image', '/etc/ssh', '/root/.ssh', '/srv', '/var/lib/ganeti', '/var/log/ganeti', '/run/ganeti', '/run/sshd'];

export async function captureHostState(): Promise<HostState> {
  const files: Record<string, string> = {};
  for (const path of WATCHED) await fingerprint(path, files);
  return {
    hostname: hostname(),
    files,
    addresses: Object.entries(networkInterfaces())
      .flatMap(([name, addresses]) => (addresses ?? []).map((a) => `${name} ${a.address}`))
      .sort(),
    processes: await daemonProcesses(),
    testMounts: (await readFile('/proc/self/mountinfo', 'utf8')).split('\n').filter((line) => line.includes('ganeti-test')),
  };
}

async function fingerprint(path: string, into: Record<string, string>): Promise<void> {
  let stats;
  try {
    stats = await lstat(path);
  } catch {
    return;
  }
  if (stats.isDirectory()) {
    into[path] = `dir ${stats.mode.toString(8)}`;
    for (const name of (await readdir(path)).sort()) await fingerprint(join(path, name), into);
  } else if (stats.isFile()) {
    into[path] = createHash('sha256').update(await readFile(path)).digest('hex');
  } else {
    into[path] = `${stats.isSymbolicLink() ? 'link' : 'other'} ${stats.mode.toString(8)}`;
  }
}

/** Ganeti daemons and sshd of the host's own PID namespace (another run's namespaced node is not the host's). */
async function daemonProcesses(): Promise<string[]> {
  const hostPidNamespace = await readlink('/proc/self/ns/pid');
  const found: string[] = [];
  for (const pid of await readdir('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
    if (!/^(ganeti-|sshd)/.test(comm)) continue;
    if ((await readlink(`/proc/${pid}/ns/pid`).catch(() => '')) !== hostPidNamespace) continue;
    found.push(`${pid} ${comm.trim()}`);
  }
  return found.sort();
}
