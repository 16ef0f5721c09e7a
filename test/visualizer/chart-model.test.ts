import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { and, not, or, setup } from 'xstate';
import { helperMachine } from '../../machines/helper/machine.ts';
import { hostMachine } from '../../machines/host/machine.ts';
import { chartFromMachine } from '../../visualizer/chart/from-machine.ts';
import { describeGuard } from '../../visualizer/chart/edge-label.ts';
import { layoutChart } from '../../visualizer/chart/layout.ts';
import { renderChartSvg } from '../../visualizer/chart/svg.ts';
import { sampleMachine } from './fixtures/sample-machine.ts';

const chart = chartFromMachine(sampleMachine);
const node = (path: string) => chart.nodes.find((n) => n.path === path);
const edgesFrom = (path: string) => chart.edges.filter((e) => e.source === node(path)?.id).map((e) => `${e.label} -> ${chart.nodes.find((n) => n.id === e.target)?.path}`);

describe('chart model', () => {
  it('has a node per state, nested under its parent and named by its path', () => {
    assert.deepEqual(
      chart.nodes.map((n) => n.path),
      ['', 'preparing', 'copying', 'copying.streaming', 'copying.verifying', 'copying.copied', 'runningHelper', 'terminatingHelper', 'releasing', 'done', 'failed'],
    );
    assert.equal(node('copying.streaming')?.parentId, 'sample.copying');
    assert.equal(node('copying')?.kind, 'compound');
    assert.equal(node('')?.parentId, null);
  });

  it('marks initial, final and failure states', () => {
    assert.deepEqual(chart.nodes.filter((n) => n.initial).map((n) => n.path), ['preparing', 'copying.streaming']);
    assert.deepEqual(chart.nodes.filter((n) => n.kind === 'final').map((n) => n.path), ['copying.copied', 'done', 'failed']);
    assert.deepEqual(chart.nodes.filter((n) => n.failure).map((n) => n.path), ['failed']);
  });

  it('marks a state tagged failure as a failure state whatever its name', () => {
    const tagged = setup({}).createMachine({ id: 'm', initial: 'a', states: { a: { on: { broke: 'gaveUp' } }, gaveUp: { type: 'final', tags: ['failure'] } } });
    assert.deepEqual(chartFromMachine(tagged).nodes.filter((n) => n.failure).map((n) => n.path), ['gaveUp']);
  });

  it('labels edges with the event, the guard and the delay, numeric or named', () => {
    assert.deepEqual(edgesFrom('runningHelper'), [
      'done: runHelper [resultIsSuccess] -> releasing',
      'done: runHelper -> releasing',
      'error: runHelper -> releasing',
      'after 120 s -> terminatingHelper',
    ]);
    assert.deepEqual(edgesFrom('copying.verifying'), ['after 250 ms -> copying.copied']);
    assert.deepEqual(edgesFrom('terminatingHelper'), ['after 30 s -> releasing']);
    assert.deepEqual(edgesFrom('copying'), ['done -> runningHelper']);
    const delayed = chart.edges.find((e) => e.label === 'after 120 s');
    assert.equal(delayed?.delay, '120 s');
    assert.equal(chart.edges.find((e) => e.guard === 'hadError')?.event, 'done: releaseResources');
  });

  it('shows a computed delay by its name', () => {
    const host = chartFromMachine(hostMachine);
    assert.ok(host.edges.some((e) => e.label === 'after softTimeout'), 'the soft timeout is computed from the plan');
    assert.ok(host.edges.some((e) => e.label === 'after 30 s [releaseRetriesLeft]'), 'the release timeout is a number');
  });

  it('lists events handled without a transition on the state instead of drawing them', () => {
    assert.deepEqual(node('runningHelper')?.internalEvents, ['helper.monitor']);
    assert.deepEqual(node('copying.streaming')?.internalEvents, ['copy.progress']);
    assert.ok(!chart.edges.some((e) => e.event === 'helper.monitor'));
  });

  it('names the effects a state invokes', () => {
    assert.deepEqual(node('runningHelper')?.invokes, ['runHelper']);
    assert.deepEqual(node('copying.verifying')?.invokes, []);
  });

  it('spells guard combinations out', () => {
    assert.equal(describeGuard('ready'), 'ready');
    assert.equal(describeGuard({ type: 'sizeAtLeast', params: { bytes: 1 } }), 'sizeAtLeast');
    assert.equal(describeGuard(not('ready')), '!ready');
    assert.equal(describeGuard(and(['a', not('b')])), 'a && !b');
    assert.equal(describeGuard(or(['a', 'b'])), 'a || b');
    assert.equal(describeGuard(() => true), 'inline guard');
  });

  it('builds the charts of the host and helper machines with every state and an edge into each failure state', () => {
    for (const machine of [hostMachine, helperMachine]) {
      const c = chartFromMachine(machine);
      const ids = new Set(c.nodes.map((n) => n.id));
      assert.ok(c.nodes.length > 5, `${machine.id} has states`);
      for (const e of c.edges) assert.ok(ids.has(e.source) && ids.has(e.target), `${e.id} joins states of ${machine.id}`);
    }
    const host = chartFromMachine(hostMachine);
    const failed = host.nodes.find((n) => n.failure)!;
    assert.equal(failed.path, 'failed');
    assert.ok(host.edges.some((e) => e.target === failed.id));
  });
});

describe('chart layout', () => {
  it('places every state inside its parent and routes every edge', async () => {
    const laid = await layoutChart(chart);
    const placed = new Map(laid.nodes.map((p) => [p.node.id, p]));
    assert.equal(placed.size, chart.nodes.length);
    for (const p of laid.nodes) {
      assert.ok(p.width > 0 && p.height > 0, `${p.node.id} has a size`);
      const parent = p.node.parentId === null ? undefined : placed.get(p.node.parentId);
      if (!parent) continue;
      assert.ok(p.x >= parent.x && p.y >= parent.y && p.x + p.width <= parent.x + parent.width + 0.5 && p.y + p.height <= parent.y + parent.height + 0.5, `${p.node.id} lies inside ${parent.node.id}`);
    }
    assert.equal(laid.edges.length, chart.edges.length);
    for (const e of laid.edges) {
      assert.ok(e.points.length >= 2, `${e.edge.id} has a route`);
      assert.ok(e.labelBox !== null, `${e.edge.id} has a label`);
    }
    assert.deepEqual(laid.initialMarkers.map((m) => m.parentId).sort(), ['sample', 'sample.copying']);
  });

  it('ends each edge on the border of its target state', async () => {
    const laid = await layoutChart(chart);
    const placed = new Map(laid.nodes.map((p) => [p.node.id, p]));
    for (const e of laid.edges) {
      const end = e.points.at(-1)!;
      const t = placed.get(e.edge.target)!;
      const onBorder = end.x >= t.x - 1 && end.x <= t.x + t.width + 1 && end.y >= t.y - 1 && end.y <= t.y + t.height + 1;
      assert.ok(onBorder, `${e.edge.label} ends at ${e.edge.target}`);
    }
  });

  it('draws the chart as SVG with a group per state that the page can find by path', async () => {
    const svg = renderChartSvg(await layoutChart(chart));
    assert.match(svg, /^<svg [^>]*viewBox="0 0 [\d.]+ [\d.]+"/);
    for (const n of chart.nodes) assert.ok(svg.includes(`data-path="${n.path}"`), `state ${n.path} is drawn`);
    assert.match(svg, /<g class="state kind-final failure" data-path="failed"/);
    assert.ok(svg.includes('>after 120 s</text>'));
    assert.ok(svg.includes('done: runHelper [resultIsSuccess]'));
  });

  it('escapes names in the SVG', async () => {
    const odd = setup({}).createMachine({ id: 'odd', initial: 'a', states: { a: { on: { 'x<y>&"z"': 'b' } }, b: {} } });
    const svg = renderChartSvg(await layoutChart(chartFromMachine(odd)));
    assert.ok(svg.includes('x&#60;y&#62;&#38;&#34;z&#34;'));
    assert.ok(!svg.includes('x<y>'));
  });
});
