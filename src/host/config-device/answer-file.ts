import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { SnfImageError } from '../../errors.ts';

export class AnswerFileUnavailable extends SnfImageError {
  override readonly name = 'AnswerFileUnavailable';
  constructor(url: string, reason: string) {
    super(`os_answer_file ${redactUrl(url)} could not be read: ${reason}; check the URL and that this node can reach it`);
  }
}

/** Largest answer file accepted: it must fit on the config device anyway. */
const MAX_BYTES = 1024 * 1024;

/**
 * The Windows answer file named by os_answer_file (http, https or file; the
 * verify rules already rejected anything else). snf-image fetched it with
 * curl; ftp is not supported here and says so.
 */
export async function readAnswerFile(url: string, fetch: typeof globalThis.fetch, signal: AbortSignal): Promise<string> {
  const parsed = new URL(url);
  if (parsed.protocol === 'file:') {
    try {
      return await readFile(fileURLToPath(parsed), 'utf8');
    } catch (error) {
      throw new AnswerFileUnavailable(url, (error as Error).message);
    }
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new AnswerFileUnavailable(url, `${parsed.protocol} URLs are not supported: use http, https or file`);
  let response: Response;
  try {
    response = await fetch(url, { signal, redirect: 'follow' });
  } catch (error) {
    throw new AnswerFileUnavailable(url, (error as Error).message);
  }
  if (response.status !== 200) throw new AnswerFileUnavailable(url, `the server answered ${response.status}`);
  const text = await response.text();
  if (Buffer.byteLength(text) > MAX_BYTES) throw new AnswerFileUnavailable(url, `it is larger than ${MAX_BYTES} bytes`);
  return text;
}

function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    return parsed.toString();
  } catch {
    return '(an invalid URL)';
  }
}
