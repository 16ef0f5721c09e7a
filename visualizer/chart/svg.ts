import { TEXT, type LaidOutChart, type PlacedEdge, type PlacedNode, type Point } from './layout.ts';

/**
 * Draws a laid-out chart as SVG markup. Pure string building, so the same
 * code renders in the page and in tests; the page finds states again by
 * their `data-path` to highlight the active ones.
 */
export function renderChartSvg(laid: LaidOutChart): string {
  const { width, height } = laid;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${round(width)}" height="${round(height)}" viewBox="0 0 ${round(width)} ${round(height)}" role="img" aria-label="state chart of ${escapeXml(laid.chart.machine)}">`,
    '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="arrowhead"/></marker></defs>',
    ...laid.nodes.map(renderNode),
    ...laid.initialMarkers.map(
      (m) => `<g class="initial-marker"><circle cx="${round(m.dot.x)}" cy="${round(m.dot.y)}" r="5"/><path d="${pathData(m.points)}" marker-end="url(#arrow)"/></g>`,
    ),
    ...laid.edges.map(renderEdge),
    '</svg>',
  ].join('\n');
}

function renderNode(placed: PlacedNode): string {
  const { node, x, y, width, height } = placed;
  const classes = ['state', `kind-${node.kind}`, node.failure ? 'failure' : '', node.initial ? 'initial' : '', node.parentId === null ? 'root' : '']
    .filter(Boolean)
    .join(' ');
  const tooltip = [node.id, node.tags.length ? `tags: ${node.tags.join(', ')}` : '', node.internalEvents.length ? `handles: ${node.internalEvents.join(', ')}` : '']
    .filter(Boolean)
    .join('\n');
  const inner = node.kind === 'final' ? `<rect class="final-ring" x="${round(x + 3)}" y="${round(y + 3)}" width="${round(width - 6)}" height="${round(height - 6)}" rx="4"/>` : '';
  const invokes = node.invokes.map(
    (src, i) => `<text class="invoke" x="${round(x + 10)}" y="${round(y + TEXT.titleHeight + 4 + i * TEXT.lineHeight)}">▶ ${escapeXml(src)}</text>`,
  );
  const title = node.parentId === null ? node.id : node.key;
  return [
    `<g class="${classes}" data-path="${escapeXml(node.path)}" data-id="${escapeXml(node.id)}">`,
    `<title>${escapeXml(tooltip)}</title>`,
    `<rect x="${round(x)}" y="${round(y)}" width="${round(width)}" height="${round(height)}" rx="6"/>`,
    inner,
    `<text class="state-name" x="${round(x + 10)}" y="${round(y + 18)}">${escapeXml(title)}</text>`,
    ...invokes,
    '</g>',
  ].join('');
}

function renderEdge(placed: PlacedEdge): string {
  const { edge, points, labelBox } = placed;
  const label = labelBox
    ? `<rect class="edge-label-bg" x="${round(labelBox.x)}" y="${round(labelBox.y)}" width="${round(labelBox.width)}" height="${round(labelBox.height)}" rx="3"/><text class="edge-label" x="${round(labelBox.x + 4)}" y="${round(labelBox.y + labelBox.height - 3.5)}">${escapeXml(edge.label)}</text>`
    : '';
  const classes = ['transition', edge.delay !== undefined ? 'delayed' : '', edge.guard !== undefined ? 'guarded' : ''].filter(Boolean).join(' ');
  return `<g class="${classes}" data-edge="${escapeXml(edge.id)}" data-event="${escapeXml(edge.event)}" data-source="${escapeXml(edge.source)}" data-target="${escapeXml(edge.target)}"><path d="${pathData(points)}" marker-end="url(#arrow)"/>${label}</g>`;
}

function pathData(points: readonly Point[]): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${round(p.x)},${round(p.y)}`).join(' ');
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
