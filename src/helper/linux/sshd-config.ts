import type { GuestRoot } from './guest-path.ts';

/**
 * The values of one sshd_config keyword, first occurrence first, reading
 * /etc/ssh/sshd_config and the files its Include lines name. Keywords are
 * case-insensitive; Match blocks are skipped, since they do not apply to
 * every connection.
 */
export async function sshdConfigValues(guest: GuestRoot, keyword: string): Promise<string[][]> {
  const values: string[][] = [];
  await collect(guest, '/etc/ssh/sshd_config', keyword.toLowerCase(), values, 0);
  return values;
}

export async function hasSshdConfig(guest: GuestRoot): Promise<boolean> {
  return guest.isFile('/etc/ssh/sshd_config');
}

const MAX_INCLUDE_DEPTH = 16;

async function collect(guest: GuestRoot, file: string, keyword: string, out: string[][], depth: number): Promise<void> {
  const text = await guest.readText(file);
  if (text === undefined || depth > MAX_INCLUDE_DEPTH) return;
  let inMatch = false;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (line === '') continue;
    const [name = '', ...args] = line.split(/[\s=]+/);
    const lower = name.toLowerCase();
    if (lower === 'match') inMatch = !(args[0]?.toLowerCase() === 'all');
    if (inMatch) continue;
    if (lower === 'include') {
      for (const pattern of args) {
        for (const included of await expandInclude(guest, pattern)) await collect(guest, included, keyword, out, depth + 1);
      }
    } else if (lower === keyword) {
      out.push(args);
    }
  }
}

/** Include names are relative to /etc/ssh and may end in a `*` glob, as Debian's `sshd_config.d/*.conf`. */
async function expandInclude(guest: GuestRoot, pattern: string): Promise<string[]> {
  const path = pattern.startsWith('/') ? pattern : `/etc/ssh/${pattern}`;
  const slash = path.lastIndexOf('/');
  const dir = path.slice(0, slash) || '/';
  const base = path.slice(slash + 1);
  if (!base.includes('*') && !base.includes('?')) return [path];
  const regex = new RegExp(`^${base.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return (await guest.list(dir)).filter((name) => regex.test(name)).map((name) => `${dir}/${name}`);
}
