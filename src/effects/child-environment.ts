/**
 * The environment of every program we start: only what a program needs to
 * be found, to read its locale and to reach a mirror through a proxy (the
 * helper image build runs debootstrap). Ganeti calls us with the OS parameters in
 * the environment (OSP_IMG_PASSWD, OSP_AUTH_KEYS, ...); an inherited
 * environment would hand them to qemu, running as nobody, to ssh-keygen and
 * to the progress monitor, and show them in /proc/PID/environ.
 */
const PASSED_ON = ['PATH', 'LANG', 'LC_ALL', 'TMPDIR', 'http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY'] as const;

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function childEnvironment(extra: Readonly<Record<string, string>> = {}, own: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const env: Record<string, string> = { PATH: DEFAULT_PATH };
  for (const name of PASSED_ON) {
    const value = own[name];
    if (value !== undefined && value !== '') env[name] = value;
  }
  return { ...env, ...extra };
}
