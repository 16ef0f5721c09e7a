import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { runViz } from '../../src/cli/viz.ts';
import { PAGE_DATA_ID, type PageData } from '../../visualizer/page-data.ts';
import { recordHostRun } from './fixtures/host-runs.ts';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk) => (text += String(chunk)));
  return { stream, text: () => text };
}

function embeddedData(html: string): PageData {
  const match = new RegExp(`<script type="application/json" id="${PAGE_DATA_ID}">(.*?)</script>`, 's').exec(html);
  assert.ok(match, 'the page embeds its data');
  return JSON.parse(match[1]!) as PageData;
}

describe('viz command', () => {
  let dir: string;
  let passing: string;
  let failing: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'viz-command-'));
    passing = join(dir, 'passing.jsonl');
    failing = join(dir, 'failing.jsonl');
    const text = (events: unknown[]) => events.map((e) => JSON.stringify(e)).join('\n') + '\n';
    await writeFile(passing, text(await recordHostRun()));
    await writeFile(failing, text(await recordHostRun({ failingTask: 'MountImage' })));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('writes one self-contained page for a trace with --out', async () => {
    const out = join(dir, 'run.html');
    const stdout = capture();
    assert.equal(await runViz([failing, '--out', out], { stdout: stdout.stream }), 0);
    assert.match(stdout.text(), /wrote .*run\.html/);
    const html = await readFile(out, 'utf8');
    assert.ok(!/<(script|link|img)[^>]+(src|href)=/i.test(html), 'no external scripts, styles or images');
    assert.ok(!/https?:\/\//.test(html.replace(/http:\/\/www\.w3\.org\/2000\/svg/g, '')), 'no network addresses');
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    const data = embeddedData(html);
    assert.equal(data.runs.length, 1);
    assert.equal(data.runs[0]?.title, 'failing.jsonl');
    assert.equal(data.runs[0]?.run.failure?.state, 'failed');
    assert.deepEqual(data.charts.map((c) => c.machine), ['host', 'helper']);
  });

  it('puts two traces in one page to compare', async () => {
    const out = join(dir, 'compare.html');
    assert.equal(await runViz([passing, failing, '--out', out], { stdout: capture().stream }), 0);
    assert.deepEqual(embeddedData(await readFile(out, 'utf8')).runs.map((r) => r.title), ['passing.jsonl', 'failing.jsonl']);
  });

  it('serves the page on 127.0.0.1 on a free port and prints the address', async () => {
    const stdout = capture();
    const stop = new AbortController();
    const serving = runViz([passing], { stdout: stdout.stream, signal: stop.signal });
    while (!/http:\/\//.test(stdout.text())) await new Promise((resolve) => setTimeout(resolve, 20));
    const url = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout.text())![1]!;
    const response = await fetch(url);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(embeddedData(await response.text()).runs[0]?.title, 'passing.jsonl');
    assert.equal((await fetch(`${url}elsewhere`)).status, 404);
    stop.abort();
    assert.equal(await serving, 0);
  });

  it('says what is wrong with its arguments or a trace', async () => {
    const stderr = capture();
    assert.equal(await runViz([], { stderr: stderr.stream }), 2);
    assert.match(stderr.text(), /give one trace, or two to compare/);
    assert.equal(await runViz([join(dir, 'missing.jsonl'), '--out', join(dir, 'x.html')], { stderr: stderr.stream }), 2);
    assert.match(stderr.text(), /cannot read trace .*missing\.jsonl: no such file/);
    const bad = join(dir, 'bad.jsonl');
    await writeFile(bad, '{"kind":"transition"}\n');
    assert.equal(await runViz([bad], { stderr: stderr.stream }), 2);
    assert.match(stderr.text(), /cannot read trace .*bad\.jsonl: trace line 1/);
    assert.equal(await runViz([passing, '--out', join(dir, 'no-such-dir', 'x.html')], { stderr: stderr.stream }), 1);
    assert.match(stderr.text(), /cannot write .*no-such-dir\/x\.html: ENOENT/);
  });
});
