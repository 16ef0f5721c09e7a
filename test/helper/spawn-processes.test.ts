import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CommandFailed } from '../../src/effects/processes.ts';
import { spawnProcesses } from '../../src/helper/spawn-processes.ts';

describe('the helper\'s processes', () => {
  it('returns the exit code and the output as written, final newline included', async () => {
    const result = await spawnProcesses.run('sh', ['-c', 'printf "out\\n"; printf "err\\n" >&2']);
    assert.deepEqual(result, { exitCode: 0, stdout: 'out\n', stderr: 'err\n' });
  });

  it('feeds the input on stdin, and /dev/null when there is none', async () => {
    assert.equal((await spawnProcesses.run('cat', [], { input: 'sécret\n' })).stdout, 'sécret\n');
    assert.equal((await spawnProcesses.run('cat', [])).stdout, '');
  });

  it('extends the helper\'s environment and runs in the directory given', async () => {
    const result = await spawnProcesses.run('sh', ['-c', 'echo "$SNF_TEST $PATH"; pwd'], { env: { SNF_TEST: 'set' }, cwd: '/tmp' });
    assert.equal(result.stdout, `set ${process.env.PATH}\n/tmp\n`);
  });

  it('throws CommandFailed with the stderr of a program that fails, unless failure is allowed', async () => {
    await assert.rejects(spawnProcesses.run('sh', ['-c', 'echo broken >&2; exit 3']), (error: Error) => error instanceof CommandFailed && error.exitCode === 3 && /broken/.test(error.message));
    assert.equal((await spawnProcesses.run('sh', ['-c', 'exit 3'], { allowFailure: true })).exitCode, 3);
  });

  it('throws CommandFailed for a program that cannot start or is killed', async () => {
    await assert.rejects(spawnProcesses.run('/no/such/program', []), (error: Error) => error instanceof CommandFailed && error.exitCode === -1 && /ENOENT/.test(error.message));
    await assert.rejects(spawnProcesses.run('sh', ['-c', 'kill -KILL $$'], { allowFailure: true }), (error: Error) => error instanceof CommandFailed && /SIGKILL/.test(error.message));
  });

  it('stops the program and throws the reason when the signal aborts', async () => {
    const controller = new AbortController();
    const reason = new Error('timed out');
    setTimeout(() => controller.abort(reason), 50);
    await assert.rejects(spawnProcesses.run('sleep', ['10'], { signal: controller.signal }), (error: Error) => error === reason);
  });
});
