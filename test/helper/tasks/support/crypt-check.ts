import { execFileSync } from 'node:child_process';

/**
 * Whether a crypt(3) hash matches a password, by the system's libxcrypt
 * (python3's crypt module), not by our own code. Both travel on stdin.
 */
export function cryptVerifies(password: string, hash: string): boolean {
  const script = 'import crypt, json, sys; d = json.load(sys.stdin); print(crypt.crypt(d["p"], d["h"]) == d["h"])';
  const out = execFileSync('python3', ['-W', 'ignore', '-c', script], { input: JSON.stringify({ p: password, h: hash }), encoding: 'utf8' });
  return out.trim() === 'True';
}
