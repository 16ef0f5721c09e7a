import { SnfImageError } from '../../errors.ts';
import { isSecret, type Secret } from '../../effects/secret.ts';
import type { OsParameterName } from '../../../machines/host/os-parameter-names.ts';
import type { SourcedParameters } from './os-parameters.ts';
import { describeValue, type SourcedValue } from './sourced-value.ts';
import { parseImageChecksum } from '../copy/image-checksum.ts';
import { IMAGE_FORMATS } from '../../../machines/host/plan.ts';

/**
 * snf-image's parameter rules (its `verify` script), applied by verify and,
 * earlier than snf-image did, by create: a value that cannot work fails
 * before any disk is touched.
 */
const IMAGE_FORMAT = /^((disk|ext|ntfs)dump|qcow2)$/;
const PRODUCT_KEY = /^([a-zA-Z0-9]{5}-){4}[a-zA-Z0-9]{5}$/;
const ANSWER_FILE_URL = /^(https?|ftps?|file):\/\/.+/;

export class MissingOsParameterError extends SnfImageError {
  override readonly name = 'MissingOsParameterError';
  constructor(
    readonly parameter: OsParameterName,
    given: SourcedValue<string | Secret> | undefined,
    hint: string,
  ) {
    const what =
      given === undefined
        ? `the OS parameter ${parameter} is missing`
        : given.where === undefined
          ? `the OS parameter ${parameter} is empty`
          : `${given.name} (set in ${given.where}) is empty`;
    super(`${what}: ${hint}`);
  }
}

export class InvalidOsParameterError extends SnfImageError {
  override readonly name = 'InvalidOsParameterError';
  constructor(
    readonly parameter: OsParameterName,
    message: string,
  ) {
    super(message);
  }
}

const REQUIRED: readonly [OsParameterName, string][] = [
  ['img_id', 'pass the image to deploy, e.g. -O img_id=debian-12.diskdump (or give config_url)'],
  ['img_format', `pass its format, one of ${IMAGE_FORMATS.join(', ')}, e.g. -O img_format=diskdump (or give config_url)`],
];

export function checkRequiredParameters(parameters: SourcedParameters): void {
  for (const [name, hint] of REQUIRED) {
    const given = parameters.get(name);
    if (given === undefined || plain(given.value) === '') throw new MissingOsParameterError(name, given, hint);
  }
}

export function checkParameterFormats(parameters: SourcedParameters): void {
  const format = parameters.get('img_format');
  if (format !== undefined && !IMAGE_FORMAT.test(plain(format.value))) {
    throw new InvalidOsParameterError('img_format', `${describeValue(format)} is not supported: use ${IMAGE_FORMATS.join(', ')}`);
  }
  const checksum = parameters.get('img_checksum');
  if (checksum !== undefined && plain(checksum.value) !== '' && parseImageChecksum(plain(checksum.value)) === undefined) {
    throw new InvalidOsParameterError(
      'img_checksum',
      `${describeValue(checksum)} is not a checksum: use sha256:, sha384: or sha512: followed by the digest in hex, e.g. img_checksum=sha256:9f86d081...`,
    );
  }
  const key = parameters.get('os_product_key');
  if (key !== undefined && !PRODUCT_KEY.test(plain(key.value))) {
    throw new InvalidOsParameterError(
      'os_product_key',
      `${describeValue(key)} is not a Windows product key: use five groups of five letters or digits joined by dashes (XXXXX-XXXXX-XXXXX-XXXXX-XXXXX)`,
    );
  }
  const answerFile = parameters.get('os_answer_file');
  if (answerFile !== undefined && !ANSWER_FILE_URL.test(plain(answerFile.value))) {
    throw new InvalidOsParameterError(
      'os_answer_file',
      `${describeValue(answerFile)} is not a URL snf-image can fetch: use an http://, https://, ftp://, ftps:// or file:// URL`,
    );
  }
}

function plain(value: string | Secret): string {
  return isSecret(value) ? value.reveal() : value;
}
