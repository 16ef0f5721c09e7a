import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runRename } from '../../src/ganeti/rename.ts';
import { capturedLog } from '../support/captured-log.ts';

describe('snf-image rename', () => {
  it('succeeds, leaving the guest alone, and says so in the log', async () => {
    const { log, messages } = capturedLog();
    assert.equal(await runRename({ OLD_INSTANCE_NAME: 'inst1.example', INSTANCE_NAME: 'inst3.example', OS_API_VERSION: '20' }, log), 0);
    assert.deepEqual(messages(), ['info: instance renamed from inst1.example to inst3.example; the guest is left unchanged (its hostname is not rewritten)']);
  });
});
