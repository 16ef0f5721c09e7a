import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { reproduced } from '../../src/effects/replay-machine.ts';
import { parseTrace, type TraceEvent } from '../../src/effects/trace.ts';
import { replayHostTrace } from '../../src/host/replay-host-trace.ts';

/**
 * Traces of real runs (scripts/record-corpus.ts records them): each replays
 * through both machines to the very steps it recorded. A change to a machine
 * that makes one diverge either is a bug or needs the corpus recorded again.
 */
const CORPUS = import.meta.dirname;

/** How each recorded run ended: the host's failure kind, and whether the helper's trace came back. */
const EXPECTED: Record<string, { readonly failure: string | null; readonly helper: boolean }> = {
  success: { failure: null, helper: true },
  'task-failure': { failure: 'HelperFailed', helper: true },
  timeout: { failure: 'HelperTimeout', helper: false },
  'import-resize': { failure: null, helper: true },
  'accelerator-fallback': { failure: null, helper: true },
};

const read = (file: string): TraceEvent[] => parseTrace(gunzipSync(readFileSync(join(CORPUS, file))).toString('utf8'));
const files = readdirSync(CORPUS).filter((name) => name.endsWith('.jsonl.gz'));

describe('the corpus of recorded traces', () => {
  it('holds a trace of every scenario', () => {
    assert.deepEqual(files.map((f) => f.replace('.jsonl.gz', '')).sort(), Object.keys(EXPECTED).sort());
  });

  for (const file of files) {
    const name = file.replace('.jsonl.gz', '');
    it(`replays ${name} through the host and the helper step by step`, async () => {
      const replay = await replayHostTrace(read(file));
      assert.ok(reproduced(replay), JSON.stringify({ divergences: replay.divergences, unplayed: replay.unplayed, at: replay.firstMismatch }));
      assert.equal(replay.output?.failure?.kind ?? null, EXPECTED[name]!.failure);
      if (EXPECTED[name]!.helper) {
        assert.ok(replay.helper, 'the helper\'s trace came back');
        assert.ok(reproduced(replay.helper), JSON.stringify({ divergences: replay.helper.divergences, unplayed: replay.helper.unplayed, at: replay.helper.firstMismatch }));
      }
    });
  }

  it('reports a helper that did otherwise than its trace says as a divergence of the helper', async () => {
    const tampered = read('success.jsonl.gz').map((e) => {
      if (e.kind !== 'nested') return e;
      const inner = e.event as TraceEvent;
      if (inner.kind !== 'effect.result' || !inner.outcome.ok || inner.effect !== 'readRules') return e;
      return { ...e, event: { ...inner, outcome: { ok: false, error: { name: 'RulesError', message: 'tampered' } } } };
    });
    const replay = await replayHostTrace(tampered);
    assert.ok(reproduced(replay), 'the host is untouched');
    assert.ok(replay.helper && !reproduced(replay.helper));
  });
});
