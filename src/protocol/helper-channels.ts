/**
 * The serial ports the helper talks to the host on, by their index (qemu's
 * `isa-serial,index=`) and the device the helper's kernel gives them. A PC has
 * four legacy serial ports, and the helper uses them all.
 */
export const HELPER_CHANNELS = {
  /** The kernel console and the helper's stdout and stderr: the host logs it. */
  console: { index: 0, device: '/dev/ttyS0' },
  /** `SUCCESS` or `ERROR: ...`, once, at the end. */
  result: { index: 1, device: '/dev/ttyS1' },
  /** The monitor lines (monitor-lines.ts, monitor-parser.ts). */
  monitor: { index: 2, device: '/dev/ttyS2' },
  /** The helper machine's own trace (trace-channel.ts). */
  trace: { index: 3, device: '/dev/ttyS3' },
} as const;

export type HelperChannel = keyof typeof HELPER_CHANNELS;
