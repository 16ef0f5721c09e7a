import { decodeProperties } from '../../../machines/helper/properties.ts';
import { isSecret, type Secret } from '../../effects/secret.ts';
import { parsePersonality } from '../../helper/linux/personality.ts';
import type { SourcedParameters } from './os-parameters.ts';
import { InvalidOsParameterError } from './verify-rules.ts';

/**
 * libxcrypt's CRYPT_MAX_PASSPHRASE_SIZE is 512 bytes with the terminating
 * NUL: the guest's crypt refuses a longer password, so a hash of one would
 * lock everybody out while the deployment reported success.
 */
export const MAX_PASSWORD_BYTES = 511;

/**
 * The contents the helper would otherwise find wrong only after the copy:
 * img_properties and inst_properties must be JSON objects, img_personality a
 * list of files, and img_passwd short enough for the guest's crypt. The
 * helper's own parsers judge them, so host and helper cannot disagree.
 */
export function checkParameterContents(parameters: SourcedParameters): void {
  const text = (name: 'img_properties' | 'inst_properties' | 'img_personality' | 'img_passwd') => {
    const value = parameters.get(name)?.value;
    return value === undefined ? undefined : plain(value);
  };
  decodeProperties({ forced: {}, ...optional('imgProperties', text('img_properties')), ...optional('instProperties', text('inst_properties')) });
  const personality = text('img_personality')?.trim();
  if (personality) parsePersonality(personality);
  const password = text('img_passwd');
  if (password !== undefined && Buffer.byteLength(password) > MAX_PASSWORD_BYTES) {
    throw new InvalidOsParameterError(
      'img_passwd',
      `img_passwd is ${Buffer.byteLength(password)} bytes long: the guest's crypt accepts at most ${MAX_PASSWORD_BYTES}, so nobody could log in with it; use a shorter password`,
    );
  }
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

function plain(value: string | Secret): string {
  return isSecret(value) ? value.reveal() : value;
}
