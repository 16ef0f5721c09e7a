import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { chartFromMachine } from '../../visualizer/chart/from-machine.ts';
import { chartToMermaid } from '../../visualizer/chart/mermaid.ts';
import { machineDocs } from '../../visualizer/machine-docs.ts';
import { sampleMachine } from './fixtures/sample-machine.ts';

describe('Mermaid export', () => {
  const mermaid = chartToMermaid(chartFromMachine(sampleMachine));
  const lines = mermaid.split('\n').map((l) => l.trim());

  it('writes a state diagram with nested states in blocks', () => {
    assert.equal(lines[0], 'stateDiagram-v2');
    const open = lines.indexOf('state "copying" as copying {');
    const close = lines.indexOf('}', open);
    assert.ok(open > 0 && close > open);
    const inside = lines.slice(open + 1, close);
    assert.ok(inside.includes('state "streaming" as copying_streaming'));
    assert.ok(inside.includes('[*] --> copying_streaming'), 'the initial state of the block');
    assert.ok(inside.includes('copying_copied --> [*]'), 'the final state of the block');
    assert.ok(inside.includes('copying_verifying --> copying_copied: after 250 ms'), 'transitions between siblings stay in the block');
  });

  it('labels transitions with event, guard and delay, and colours failure states', () => {
    assert.ok(lines.includes('[*] --> preparing'));
    assert.ok(lines.includes('runningHelper --> releasing: done: runHelper [resultIsSuccess]'));
    assert.ok(lines.includes('runningHelper --> terminatingHelper: after 120 s'));
    assert.ok(lines.includes('copying_streaming --> releasing: error: copyImage'), 'a transition out of a block is written at the top');
    assert.ok(lines.includes('runningHelper: invokes runHelper'));
    assert.ok(lines.includes('class failed failure'));
  });

  it('matches the checked-in docs/machines charts to the machines (run scripts/export-mermaid.ts after changing one)', () => {
    const docs = machineDocs();
    assert.deepEqual(docs.map((d) => d.path), ['docs/machines/host.md', 'docs/machines/helper.md']);
    for (const { path, text } of docs) {
      assert.equal(readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8'), text, `${path} is out of date`);
    }
  });
});
