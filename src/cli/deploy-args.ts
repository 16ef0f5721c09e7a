import { readFile, stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { SnfImageError } from '../errors.ts';

export const DEPLOY_USAGE = `usage: snf-image deploy IMAGE DISK [options]

Deploys IMAGE onto DISK (a file or block device) and customizes it in the
helper VM, as Ganeti's create does, for use without Ganeti. IMAGE is a file,
an http(s) URL, or null to customize DISK as it is. The configuration is read
from /etc/snf-image/snf-image.conf (or SNF_IMAGE_CONFIG_FILE) as for create.

Options:
  --hostname NAME         the guest's hostname (default: DISK's file name)
  --password-file FILE    root's (or the image's USERS') password, from FILE
  --ssh-key FILE          authorize the public key(s) in FILE (repeatable)
  --property KEY=VALUE    an image property, e.g. OSFAMILY=linux (repeatable)
  --file SRC:DEST         copy the local file SRC to DEST in the guest (repeatable)
  --format FORMAT         diskdump (default), extdump or ntfsdump
  --json                  print the summary as JSON, with no progress bar
  --help                  this text

Exit status: 0 deployed, 1 the deployment failed (the reason is the last
line), 2 a usage error. Every run writes a trace, as create does.
`;

export class DeployUsageError extends SnfImageError {
  override readonly name = 'DeployUsageError';
}

/** What `snf-image deploy` was asked for, read and checked. */
export interface DeployArgs {
  readonly image: string;
  readonly disk: string;
  readonly hostname: string;
  readonly password?: string;
  readonly sshKeys: readonly string[];
  readonly properties: Readonly<Record<string, string>>;
  readonly files: readonly { readonly source: string; readonly path: string; readonly contents: Buffer; readonly mode: number }[];
  readonly format: string;
  readonly json: boolean;
}

export async function readDeployArgs(argv: readonly string[]): Promise<DeployArgs> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        hostname: { type: 'string' },
        'password-file': { type: 'string' },
        'ssh-key': { type: 'string', multiple: true, default: [] },
        property: { type: 'string', multiple: true, default: [] },
        file: { type: 'string', multiple: true, default: [] },
        format: { type: 'string', default: 'diskdump' },
        json: { type: 'boolean', default: false },
      },
    });
  } catch (error) {
    throw new DeployUsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (positionals.length !== 2) throw new DeployUsageError(`deploy takes IMAGE and DISK, ${positionals.length} ${positionals.length === 1 ? 'argument was' : 'arguments were'} given`);
  const [image, disk] = positionals as [string, string];

  const properties: Record<string, string> = {};
  for (const property of values.property) {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(property);
    if (!match) throw new DeployUsageError(`--property "${property}" is not KEY=VALUE (e.g. --property OSFAMILY=linux)`);
    properties[match[1]!] = match[2]!;
  }
  const files = [];
  for (const spec of values.file) {
    const colon = spec.indexOf(':');
    const [source, path] = colon > 0 ? [spec.slice(0, colon), spec.slice(colon + 1)] : ['', ''];
    if (source === '' || !path.startsWith('/')) throw new DeployUsageError(`--file "${spec}" is not SRC:DEST with an absolute DEST (e.g. --file motd:/etc/motd)`);
    const info = await stat(source).catch(() => undefined);
    if (!info?.isFile()) throw new DeployUsageError(`--file ${source}: not a file`);
    files.push({ source, path, contents: await readFile(source), mode: info.mode & 0o777 });
  }
  const sshKeys = [];
  for (const file of values['ssh-key']) sshKeys.push((await readText(file, '--ssh-key')).trim());
  const passwordFile = values['password-file'];
  const password = passwordFile === undefined ? undefined : (await readText(passwordFile, '--password-file')).replace(/\r?\n$/, '');
  if (password === '') throw new DeployUsageError(`--password-file ${passwordFile} is empty`);
  return {
    image,
    disk,
    hostname: values.hostname ?? defaultHostname(disk),
    ...(password !== undefined ? { password } : {}),
    sshKeys,
    properties,
    files,
    format: values.format,
    json: values.json,
  };
}

async function readText(file: string, option: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new DeployUsageError(`${option} ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message}`);
  }
}

/** The disk's file name without its extension, as a hostname can be written. */
function defaultHostname(disk: string): string {
  const base = disk.split('/').pop()!.replace(/\.[^.]*$/, '');
  return base.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '') || 'guest';
}
