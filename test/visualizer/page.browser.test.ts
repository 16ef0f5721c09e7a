import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type { BrowserContext, Page } from 'playwright-core';
import { parseTrace, type TraceEvent } from '../../src/effects/trace.ts';
import { buildPageHtml } from '../../visualizer/build-page.ts';
import { KNOWN_MACHINES } from '../../visualizer/known-machines.ts';
import { pageFromTraces } from '../../visualizer/page-from-traces.ts';
import type { Run } from '../../visualizer/run/run.ts';
import { recordHostRun } from './fixtures/host-runs.ts';
import { passingRun } from './fixtures/sample-runs.ts';
import { launchChromium } from './support/chromium.ts';

const SCREENSHOTS = new URL('../../artifacts/visualizer/', import.meta.url);

/** A real run's trace from the corpus (test/corpus, recorded by scripts/record-corpus.ts). */
const corpusTrace = (name: string): TraceEvent[] => parseTrace(gunzipSync(readFileSync(new URL(`../corpus/${name}.jsonl.gz`, import.meta.url))).toString('utf8'));

/** The innermost of a set of active state paths, as the chart marks them. */
const leaves = (paths: readonly string[]) => paths.filter((p) => !paths.some((other) => other.startsWith(`${p}.`)));

describe('run replay page in Chromium', { timeout: 60_000 }, () => {
  let dir: string;
  let browser: Awaited<ReturnType<typeof launchChromium>>;
  let context: BrowserContext;
  const pages: Record<'failing' | 'compare' | 'large' | 'nested', string> = { failing: '', compare: '', large: '', nested: '' };
  let failingTrace = '';
  const problems: string[] = [];

  const write = async (name: string, traces: { title: string; events: TraceEvent[] }[]) => {
    const path = join(dir, `${name}.html`);
    await writeFile(path, await buildPageHtml(await pageFromTraces(traces, KNOWN_MACHINES), name));
    return pathToFileURL(path).href;
  };

  /** Opens a page and records every console error and uncaught exception it has. */
  const open = async (url: string): Promise<Page> => {
    const page = await context.newPage();
    page.on('console', (m) => m.type() === 'error' && problems.push(`${url}: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`${url}: ${e.message}`));
    await page.goto(url);
    await page.locator('.run-pane').first().waitFor();
    await drawn(page);
    return page;
  };
  const runsOf = (page: Page): Promise<Run[]> => page.evaluate(() => JSON.parse(document.getElementById('viz-data')!.textContent!).runs.map((r: { run: Run }) => r.run));
  /** The page draws a step on the next animation frame; this waits for it. */
  const drawn = (page: Page) => page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => resolve(null))));
  const litLeaves = (page: Page, pane = 0) => page.locator('.run-pane').nth(pane).locator('g.state.leaf').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-path')));

  before(async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    dir = await mkdtemp(join(tmpdir(), 'viz-page-'));
    const passing = await recordHostRun();
    const failing = await recordHostRun({ failingTask: 'MountImage' });
    failingTrace = join(dir, 'failing.jsonl');
    await writeFile(failingTrace, failing.map((e) => JSON.stringify(e)).join('\n') + '\n');
    [pages.failing, pages.compare, pages.large, pages.nested] = await Promise.all([
      write('failing', [{ title: 'failing.jsonl', events: failing }]),
      write('compare', [
        { title: 'passing.jsonl', events: passing },
        { title: 'failing.jsonl', events: failing },
      ]),
      write('large', [{ title: 'large.jsonl', events: await recordHostRun({ progressMessages: 5000 }) }]),
      write('nested', [{ title: 'task-failure.jsonl', events: corpusTrace('task-failure') }]),
    ]);
    browser = await launchChromium();
    context = browser.context;
  });

  after(async () => {
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('loads with the chart, the first step lit and no console errors, and draws the transition taken', async () => {
    const page = await open(pages.failing);
    assert.equal(await page.locator('.run-status').textContent(), 'failed');
    assert.ok((await page.locator('svg.chart g.state').count()) > 10);
    assert.deepEqual(await litLeaves(page), ['deploying.validating']);
    assert.equal(await page.locator('.current-state').textContent(), 'deploying.validating');
    await page.keyboard.press('ArrowRight');
    await drawn(page);
    assert.deepEqual(await page.locator('g.transition.taken').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-event'))), ['done: validate'], 'the transition just taken is drawn bold');
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('lights the state of every step while stepping to the failure, then shows the error in red', async () => {
    const page = await open(pages.failing);
    const [run] = await runsOf(page);
    for (let i = 0; i < run!.steps.length; i++) {
      assert.deepEqual(await litLeaves(page), run!.steps[i]!.state.split(', '), `step ${i + 1}`);
      await page.keyboard.press('ArrowRight');
      await drawn(page);
    }
    const failed = page.locator('g.state[data-path="failed"]');
    assert.match((await failed.getAttribute('class')) ?? '', /\bactive\b.*\bfailed-now\b/);
    const box = page.locator('.failure-box');
    assert.match((await box.textContent()) ?? '', /HelperTaskFailed: MountImage: mount: \/dev\/vda1: wrong fs type/);
    assert.equal(await box.evaluate((el) => getComputedStyle(el).borderTopColor), 'rgb(185, 28, 28)');
    await page.screenshot({ path: new URL('failing-run.png', SCREENSHOTS).pathname, fullPage: true });

    await page.getByRole('button', { name: 'go to failure' }).click();
    await drawn(page);
    const cause = run!.steps[run!.failure!.causeStepIndex]!;
    assert.equal(await page.locator('.current-state').textContent(), cause.state);
    assert.match((await page.locator('.step.current').getAttribute('class')) ?? '', /\bcause\b/);
    assert.match((await page.locator('.tasks-box').textContent()) ?? '', /MountImagefailed/);
    assert.match((await page.locator('.failure-box').textContent()) ?? '', /MountImage: mount: \/dev\/vda1: wrong fs type/, 'the error is shown from the step that set it off');
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('lists the effect calls on the timeline in order, with the helper tasks under the helper VM', async () => {
    const page = await open(pages.failing);
    const names = await page.locator('.timeline-row:not(.axis) .call-name').allTextContents();
    assert.deepEqual(names, [
      '#0 validate',
      '#1 selectBackends',
      '#2 attachDestination',
      '#3 copyImage',
      '#4 writeConfigDevice',
      '#5 chooseAccelerator',
      '#6 runHelper',
      '↳ FixPartitionTable',
      '↳ FilesystemResizeUnmounted',
      '↳ MountImage',
      '#7 readResult',
      '#8 releaseResource',
      '#9 releaseResource',
    ]);
    await page.keyboard.press('End');
    await drawn(page);
    assert.match((await page.locator('.timeline-row.task', { hasText: 'MountImage' }).getAttribute('class')) ?? '', /task-failed/);
    await page.close();
  });

  it('scrubs to the step at a time picked on the timeline axis', async () => {
    const page = await open(pages.failing);
    const [run] = await runsOf(page);
    const axis = page.locator('.axis-track');
    const box = (await axis.boundingBox())!;
    await page.mouse.click(box.x + box.width * 0.5, box.y + box.height / 2);
    const time = run!.durationMs * 0.5;
    const expected = run!.steps.filter((s) => s.at <= time).at(-1)!;
    assert.equal(await page.locator('.position').textContent(), `${expected.index + 1} / ${run!.steps.length}`);
    await page.close();
  });

  it('shows two runs side by side and marks where they diverge', async () => {
    const page = await open(pages.compare);
    assert.equal(await page.locator('.run-pane').count(), 2);
    const banner = (await page.locator('.divergence-banner').textContent()) ?? '';
    assert.match(banner, /diverge at step \d+ \(helper\.monitor end MountImage .*\) vs step \d+ \(helper\.monitor error/);
    await page.getByRole('button', { name: 'go to divergence' }).click();
    await drawn(page);
    for (const pane of [0, 1]) {
      const current = page.locator('.run-pane').nth(pane).locator('.step.current');
      assert.match((await current.getAttribute('class')) ?? '', /\bdivergent\b/, `run ${pane + 1} is on its diverging step`);
    }
    assert.match((await page.locator('.run-pane').nth(1).locator('.step.current').textContent()) ?? '', /helper\.monitor \(error\)/);
    await page.screenshot({ path: new URL('compare-runs.png', SCREENSHOTS).pathname, fullPage: true });
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('opens a trace chosen from disk', async () => {
    const page = await open(pages.compare);
    await page.locator('.file-button', { hasText: 'open trace' }).locator('input').setInputFiles(failingTrace);
    await page.locator('.run-pane').nth(1).waitFor({ state: 'detached' });
    assert.equal(await page.locator('.run-title').textContent(), 'failing.jsonl');
    assert.equal(await page.locator('.run-status').textContent(), 'failed');
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('shows what was logged in a step, and the run of a machine it has no chart for', async () => {
    const events = await passingRun();
    const at = events.findIndex((e) => e.kind === 'transition' && e.state === 'releasing');
    const log: TraceEvent = { kind: 'log', level: 'warn', msg: 'loop device busy, retrying', seq: 0, at: events[at]!.at };
    const withLog = [...events.slice(0, at + 1), log, ...events.slice(at + 1)].map((e, seq) => ({ ...e, seq }));
    const page = await open(await write('logged', [{ title: 'logged.jsonl', events: withLog }]));
    assert.match((await page.locator('.no-chart').textContent()) ?? '', /No chart is known for the machine "sample"/);
    const [run] = await runsOf(page);
    const step = run!.steps.find((s) => s.state === 'releasing')!;
    await page.locator(`.step[data-step="${step.index}"]`).click();
    await drawn(page);
    assert.match((await page.locator('.log-box').textContent()) ?? '', /warn: loop device busy, retrying/);
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('steps through the host and the helper together, the helper inside runningHelper, and shows the failed task\'s failing state', async () => {
    const page = await open(pages.nested);
    const [run] = await runsOf(page);
    const nested = run!.nested!;
    assert.equal(nested.machine, 'helper');
    assert.match(nested.under, /^deploying\.runningHelper/);
    assert.match((await page.locator('.nested-caption').textContent()) ?? '', /helper, inside deploying\.runningHelper/);
    const hostLeaves = () => page.locator('.run-charts > .chart-frame g.state.leaf').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-path')));
    const helperLeaves = () => page.locator('.nested-chart g.state.leaf').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-path')));
    // One step at a time moves through both machines' transitions.
    const firstHelperStep = run!.steps.findIndex((s) => s.machine === 'helper');
    assert.ok(firstHelperStep > 0);
    for (const i of [firstHelperStep - 1, firstHelperStep, firstHelperStep + 1]) {
      await page.evaluate((k) => {
        const slider = document.querySelector<HTMLInputElement>('.scrubber')!;
        slider.value = String(k);
        slider.dispatchEvent(new Event('input'));
      }, i);
      await drawn(page);
      const step = run!.steps[i]!;
      assert.deepEqual(await hostLeaves(), leaves(step.paths), `host at step ${i + 1}`);
      assert.deepEqual(await helperLeaves(), leaves(step.nestedPaths ?? []), `helper at step ${i + 1}`);
    }
    await page.getByRole('button', { name: 'go to failure' }).click();
    await drawn(page);
    assert.equal(run!.failure!.causeStepIndex, nested.failureStepIndex, 'the failure goes back to the step at which the helper failed');
    const failing = page.locator('.nested-chart g.state[data-path="failing"]');
    assert.match((await failing.getAttribute('class')) ?? '', /\bactive\b.*\bfailed-now\b/);
    assert.match((await page.locator('.failure-box').textContent()) ?? '', /EnforcePersonality/);
    await page.screenshot({ path: new URL('nested-failing-run.png', SCREENSHOTS).pathname, fullPage: true });
    assert.deepEqual(problems, []);
    await page.close();
  });

  it('stays responsive on a trace of ten thousand events', async () => {
    const started = performance.now();
    const page = await open(pages.large);
    const loaded = performance.now() - started;
    const [run] = await runsOf(page);
    assert.ok(run!.eventCount >= 10_000);
    assert.ok(loaded < 10_000, `loaded in ${Math.round(loaded)} ms`);
    assert.ok((await page.locator('.step').count()) < 100, 'only the rows in view are built');
    const held = await page.evaluate(async () => {
      const t0 = performance.now();
      for (let i = 0; i < 200; i++) document.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowRight' }));
      await new Promise((resolve) => requestAnimationFrame(resolve));
      return performance.now() - t0;
    });
    assert.ok(held < 1500, `200 steps asked for at once were drawn in ${Math.round(held)} ms`);
    assert.equal(await page.locator('.position').textContent(), `201 / ${run!.steps.length}`);
    const perStep = await page.evaluate(async () => {
      const t0 = performance.now();
      for (const key of ['End', 'Home', 'End', 'PageUp', 'ArrowLeft', 'Home', 'PageDown', 'End', 'ArrowLeft', 'ArrowRight']) {
        document.dispatchEvent(new KeyboardEvent('keydown', { key }));
        await new Promise((resolve) => requestAnimationFrame(resolve));
      }
      return (performance.now() - t0) / 10;
    });
    assert.ok(perStep < 250, `a step is drawn in ${Math.round(perStep)} ms`);
    assert.equal(await page.locator('.position').textContent(), `${run!.steps.length} / ${run!.steps.length}`);
    await page.screenshot({ path: new URL('large-run.png', SCREENSHOTS).pathname });
    assert.deepEqual(problems, []);
    await page.close();
  });
});
