import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

function snfImage(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, ['bin/snf-image.js', ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', ...env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('snf-image command', () => {
  it('lists every subcommand in its help', () => {
    const { code, stdout } = snfImage(['--help']);
    assert.equal(code, 0);
    for (const name of ['create', 'import', 'export', 'rename', 'verify', 'install-os', 'helper', 'viz', 'replay', 'demo']) {
      assert.match(stdout, new RegExp(`^  ${name} `, 'm'), name);
    }
  });

  it('prints the help of every subcommand given --help anywhere, and runs none of them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-help-'));
    try {
      const cases: string[][] = [
        ['create', '--help'], ['import', '-h'], ['export', '--help'], ['rename', '--help'], ['verify', 'parameters', '--help'],
        ['install-os', '--dir', join(dir, 'os'), '--help'], ['helper', 'build', '--help'], ['viz', 'a.jsonl', '--help'],
        ['replay', 'a.jsonl', '--help'], ['demo', '--help'],
      ];
      for (const args of cases) {
        const { code, stdout } = snfImage(args, { SNF_IMAGE_TRACE_DIR: dir, OS_API_VERSION: '20' });
        assert.equal(code, 0, args.join(' '));
        assert.match(stdout, new RegExp(`^usage: snf-image ${args[0]}`), args.join(' '));
      }
      assert.deepEqual(readdirSync(dir), [], 'no subcommand ran: no trace, no OS definition');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects an unknown subcommand with exit code 2', () => {
    const { code, stderr } = snfImage(['creat']);
    assert.equal(code, 2);
    assert.match(stderr, /unknown subcommand "creat"/);
  });

  it('fails create on a wrong OS API version with a sentence, not a stack trace, and writes the trace to TRACE_DIR', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-test-'));
    try {
      const config = join(dir, 'snf-image.conf');
      writeFileSync(config, `TRACE_DIR=${dir}\n`);
      const { code, stdout, stderr } = snfImage(['create'], { OS_API_VERSION: '15', SNF_IMAGE_CONFIG_FILE: config, SNF_IMAGE_LOG_LEVEL: 'info' });
      assert.equal(code, 1);
      const error = stdout.split('\n').find((l) => l.startsWith('[MONITOR] '));
      assert.ok(error, stdout);
      const message = JSON.parse(error.slice(10));
      assert.equal(message.type, 'image-error');
      assert.match(message.messages[0], /OS_API_VERSION/);
      assert.doesNotMatch(stderr, /at .*\.ts:\d+/);
      assert.match(stderr, new RegExp(`view the trace with: snf-image viz ${dir}/`), 'the failed run still has its trace');
      const lastLine = JSON.parse(stderr.trimEnd().split('\n').at(-1)!);
      assert.match(lastLine.msg, /OS_API_VERSION/, 'the reason is the last line');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to replay a trace of another format with a sentence', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cli-test-'));
    try {
      const trace = join(dir, 'old.jsonl');
      writeFileSync(trace, `${JSON.stringify({ kind: 'run', seq: 0, at: 0, machine: 'host', startedAt: '2026-01-01T00:00:00.000Z' })}\n`);
      const { code, stdout, stderr } = snfImage(['replay', trace]);
      assert.equal(code, 2);
      assert.equal(stdout, '');
      assert.match(stderr, /this trace is in format 1 and this snf-image reads format 2 only/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
