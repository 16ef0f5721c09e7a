import assert from 'node:assert/strict';
import { copyFile, link, mkdir, open, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readTraceFile } from '../../../src/effects/trace.ts';
import { lastLogged, monitorMessages, statePath, type CreateExit } from './create-process.ts';
import { leftoversAfter, type CreateFootprint } from './leftovers.ts';

/** The trace a create named on its log (`"msg":"trace"`), or undefined if it named none. */
export function tracePathOf(stderr: string): string | undefined {
  for (const line of stderr.split('\n')) {
    const match = /"trace":"([^"]+\.jsonl)"/.exec(line);
    if (match) return match[1];
  }
  return undefined;
}

/** The state the host machine was in when each deployment.abort (a SIGTERM) reached it, from the run's trace. */
export function phasesAtAbort(tracePath: string): string[] {
  let state = '';
  const phases: string[] = [];
  for (const event of readTraceFile(tracePath)) {
    if (event.kind !== 'transition' || event.machine !== 'host') continue;
    if ((event.event as { type: string }).type === 'deployment.abort') phases.push(state);
    state = statePath(event.state);
  }
  return phases;
}

/**
 * A create that ended as a failure must: exit 1, tell Ganeti's user why in a
 * sentence (the last monitor message and the last log line, never SUCCESS),
 * and leave nothing behind.
 */
export async function assertFailedCleanly(exit: CreateExit, run: CreateFootprint, reason: RegExp): Promise<string> {
  assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 1, signal: null }, exit.stderr.slice(-3000));
  const messages = monitorMessages(exit.stdout);
  assert.ok(!messages.some((m) => JSON.stringify(m).includes('finished successfully')), 'no success was reported');
  const last = messages.at(-1) as { type: string; messages: string[] };
  assert.equal(last.type, 'image-error');
  const sentence = last.messages[0]!;
  assert.match(sentence, reason);
  assert.doesNotMatch(sentence, /Internal Error/, 'a reason an operator can act on');
  assert.equal(lastLogged(exit.stderr)?.msg, sentence, 'the reason is the last line of the log');
  assert.deepEqual(await leftoversAfter(run), [], 'nothing is left behind');
  return sentence;
}

/** The work directories a create left in its TMPDIR. */
export async function workDirsIn(tmpdir: string): Promise<string[]> {
  return (await readdir(tmpdir)).filter((n) => n.startsWith('snf-image-'));
}

/**
 * A helper directory like `helperDir` with one of its files cut to 1 MiB:
 * the other files are hard links (copies across filesystems).
 */
export async function corruptHelperDir(helperDir: string, into: string, truncated: 'kernel' | 'initrd' | 'image'): Promise<string> {
  await mkdir(into, { recursive: true });
  for (const name of await readdir(helperDir)) {
    if (name === truncated) await writeFirstMiB(join(helperDir, name), join(into, name));
    else await link(join(helperDir, name), join(into, name)).catch(() => copyFile(join(helperDir, name), join(into, name)));
  }
  return into;
}

async function writeFirstMiB(from: string, to: string): Promise<void> {
  const file = await open(from);
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(1024 * 1024), 0, 1024 * 1024, 0);
    await writeFile(to, buffer.subarray(0, bytesRead));
  } finally {
    await file.close();
  }
}
