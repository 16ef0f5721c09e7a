import assert from 'node:assert/strict';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { runDemo } from '../../src/demo/demo.ts';

describe('the README demo (npm start)', { timeout: 20 * 60_000 }, () => {
  let dir: string | undefined;
  after(() => (dir ? rm(dir, { recursive: true, force: true }) : undefined));

  it('deploys the sample image and shows the phases, the changes and the trace', async () => {
    dir = await mkdtemp(join(tmpdir(), 'demo-test-'));
    let text = '';
    const out = new Writable({ write: (chunk, _e, done) => void ((text += String(chunk)), done()) });
    const code = await runDemo(['--dir', join(dir, 'demo')], out as never);
    assert.equal(code, 0, text);
    assert.match(text, /^Deployed\.$/m);
    assert.match(text, /^ {2}copying\s+\d+\.\d s$/m);
    assert.match(text, /^ {2}task ChangePassword\s+\d+\.\d s$/m);
    assert.match(text, /^ {2}hostname: \S+ -> demo\.example\.org$/m);
    assert.match(text, /^ {2}partitions: 1:83 1535 MiB -> 1:83 3583 MiB, 2:82 512 MiB$/m);
    assert.match(text, /^ {2}root filesystem: 1535 MiB -> 3583 MiB, clean$/m);
    assert.match(text, /^ {2}ssh host key \(ed25519\): \.\.\.\S+ -> \.\.\.\S+$/m);
    const html = /open (\S+run\.html)/.exec(text)?.[1];
    assert.ok(html && (await stat(html)).size > 10_000, 'the run view was written');
  });
});
