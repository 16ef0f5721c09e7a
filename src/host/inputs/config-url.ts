import { SnfImageError } from '../../errors.ts';
import type { Secret } from '../../effects/secret.ts';
import { isOsParameterName, type OsParameterName } from '../../../machines/host/os-parameter-names.ts';
import { sourcedParameter, type SourcedParameters } from './os-parameters.ts';
import type { SourcedValue } from './sourced-value.ts';

/**
 * config_url: a URL answering a JSON object of OS parameters, which override
 * those Ganeti passed (snf-image's decode-config.py). Keys are matched
 * without regard to case and unknown keys are ignored with a warning.
 *
 * Values must be JSON strings, as in snf-image, because any other JSON type
 * would be rewritten on the way (1e3 becomes "1000", 1.50 becomes "1.5") and
 * a password or an image id must arrive exactly as written. The exception is
 * the parameters that hold JSON themselves (img_properties, inst_properties,
 * img_personality): they may also be given as the JSON object or array, which
 * is serialized back to text.
 */
export interface ConfigUrlOptions {
  readonly fetch: typeof globalThis.fetch;
  readonly timeoutSeconds: number;
  /** The run's own: an aborted create stops waiting for the server at once. */
  readonly signal?: AbortSignal;
  /** A bigger answer is refused; parameters fit in far less. */
  readonly maxBytes?: number;
}

const DEFAULT_MAX_BYTES = 1024 * 1024;
const JSON_PARAMETERS: ReadonlySet<OsParameterName> = new Set(['img_properties', 'inst_properties', 'img_personality']);
const EXAMPLE = '{"img_id": "debian-12.diskdump", "img_format": "diskdump"}';

export class ConfigUrlInvalidError extends SnfImageError {
  override readonly name = 'ConfigUrlInvalidError';
  constructor(url: string) {
    super(`config_url ${JSON.stringify(shownUrl(url))} is not an http:// or https:// URL: give the full URL of a JSON object of OS parameters`);
  }
}

export class ConfigUrlTimeoutError extends SnfImageError {
  override readonly name = 'ConfigUrlTimeoutError';
  constructor(url: string, seconds: number) {
    super(
      `config_url ${shownUrl(url)} did not answer within ${seconds} s: check that the server is up and reachable from this node, ` +
        'or raise CONFIG_URL_TIMEOUT in the configuration file',
    );
  }
}

export class ConfigUrlRequestError extends SnfImageError {
  override readonly name = 'ConfigUrlRequestError';
  constructor(url: string, cause: unknown) {
    const reason = hideSecretParts(describeCause(cause), url);
    super(`fetching config_url ${shownUrl(url)} failed (${reason}): check the URL and that this node can reach the server`, { cause });
  }
}

export class ConfigUrlStatusError extends SnfImageError {
  override readonly name = 'ConfigUrlStatusError';
  constructor(
    url: string,
    readonly status: number,
    statusText: string,
  ) {
    super(`config_url ${shownUrl(url)} answered HTTP ${status}${statusText === '' ? '' : ` ${statusText}`}: it must answer 200 with a JSON object of OS parameters; check the URL`);
  }
}

export class ConfigUrlAnswerError extends SnfImageError {
  override readonly name = 'ConfigUrlAnswerError';
  constructor(url: string, problem: string) {
    super(`the answer of config_url ${shownUrl(url)} ${problem}: it must be a JSON object of OS parameters such as ${EXAMPLE}`);
  }
}

export class ConfigUrlValueError extends SnfImageError {
  override readonly name = 'ConfigUrlValueError';
  constructor(
    url: string,
    readonly key: string,
    type: string,
    accepted: string,
  ) {
    super(`the answer of config_url ${shownUrl(url)} gives ${JSON.stringify(key)} as ${type}: give it as ${accepted}, e.g. "${key}": "..."`);
  }
}

/** Fetches and decodes the answer; adds a warning for each key that is not an OS parameter. */
export async function fetchConfigUrl(url: string, options: ConfigUrlOptions, warnings: string[]): Promise<SourcedParameters> {
  if (!/^https?:\/\//i.test(url) || !URL.canParse(url)) throw new ConfigUrlInvalidError(url);
  const text = await download(url, options);
  let answer: unknown;
  try {
    answer = JSON.parse(text);
  } catch (error) {
    throw new ConfigUrlAnswerError(url, `is not JSON (${describeCause(error)})`);
  }
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) {
    throw new ConfigUrlAnswerError(url, `is ${jsonType(answer)}, not an object`);
  }
  return decodeParameters(url, answer as Record<string, unknown>, warnings);
}

function decodeParameters(url: string, answer: Record<string, unknown>, warnings: string[]): SourcedParameters {
  const where = `the config_url answer`;
  const parameters = new Map<OsParameterName, SourcedValue<string | Secret>>();
  for (const [key, value] of Object.entries(answer)) {
    const name = key.toLowerCase();
    if (!isOsParameterName(name)) {
      warnings.push(`The config_url answer has the key ${JSON.stringify(key)}, which is not an OS parameter; it is ignored.`);
      continue;
    }
    const earlier = parameters.get(name);
    if (earlier !== undefined) throw new ConfigUrlAnswerError(url, `sets ${name} twice (as ${JSON.stringify(earlier.name)} and ${JSON.stringify(key)})`);
    parameters.set(name, sourcedParameter(name, textValue(url, name, key, value), key, where));
  }
  return parameters;
}

function textValue(url: string, name: OsParameterName, key: string, value: unknown): string {
  if (typeof value === 'string') return value;
  const holdsJson = JSON_PARAMETERS.has(name);
  if (holdsJson && typeof value === 'object' && value !== null) return JSON.stringify(value);
  throw new ConfigUrlValueError(url, key, jsonType(value), holdsJson ? 'a JSON object, or a string holding one' : 'a JSON string');
}

async function download(url: string, options: ConfigUrlOptions): Promise<string> {
  const timeout = AbortSignal.timeout(options.timeoutSeconds * 1000);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  try {
    const { target, headers } = withBasicAuth(url);
    const response = await options.fetch(target, { signal, redirect: 'follow', headers });
    if (response.status !== 200) {
      await response.body?.cancel();
      throw new ConfigUrlStatusError(url, response.status, response.statusText);
    }
    return await readLimited(url, response, options.maxBytes ?? DEFAULT_MAX_BYTES);
  } catch (error) {
    if (error instanceof SnfImageError) throw error;
    if (options.signal?.aborted) throw error;
    if (timeout.aborted) throw new ConfigUrlTimeoutError(url, options.timeoutSeconds);
    throw new ConfigUrlRequestError(url, error);
  }
}

async function readLimited(url: string, response: Response, maxBytes: number): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (response.body === null) return '';
  for await (const chunk of response.body) {
    size += chunk.byteLength;
    if (size > maxBytes) throw new ConfigUrlAnswerError(url, `is larger than ${maxBytes} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** fetch refuses user:password@ in a URL; curl sent it as basic authentication, and so do we. */
function withBasicAuth(url: string): { target: string; headers: Record<string, string> } {
  const parsed = new URL(url);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (parsed.username === '' && parsed.password === '') return { target: url, headers };
  const credentials = `${decodeURIComponent(parsed.username)}:${decodeURIComponent(parsed.password)}`;
  headers.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
  parsed.username = '';
  parsed.password = '';
  return { target: parsed.href, headers };
}

/** The URL without credentials, query or fragment, which may carry tokens. */
function shownUrl(url: string): string {
  if (!URL.canParse(url)) return url.replace(/[?#].*$/s, '');
  const parsed = new URL(url);
  const hidden = parsed.search !== '' || parsed.hash !== '' ? '?...' : '';
  return `${parsed.protocol}//${parsed.host}${parsed.pathname}${hidden}`;
}

/** A message about the URL with its credentials, query and fragment replaced, wherever they appear. */
function hideSecretParts(text: string, url: string): string {
  let hidden = text.split(url).join(shownUrl(url));
  if (!URL.canParse(url)) return hidden;
  const { password, search, hash } = new URL(url);
  for (const part of [password, search, hash]) if (part.length > 1) hidden = hidden.split(part).join('...');
  return hidden;
}

function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}
