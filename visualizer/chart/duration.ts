/** A delay or duration as people read it on a chart: `500 ms`, `120 s`, `1.5 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  return `${Number((ms / 1000).toFixed(1))} s`;
}
