/**
 * The words of the helper VM's kernel command line that the host writes and
 * the helper reads. Like snf-image, the helper does nothing unless
 * ACTIVATE_HELPER is there, so a machine that merely has it installed is
 * never touched.
 */
export const ACTIVATE_HELPER = 'snf_image_activate_helper';
/** snf-image's HELPER_DEBUG flag. */
export const DEBUG_HELPER = 'snf_image_debug_helper';

/** `KEY=value` words. */
export const KERNEL_ARGS = {
  /** The config device (rules_dev=/dev/fd0), snf-image's name. */
  rulesDevice: 'rules_dev',
  /** The instance disks, comma-separated, when they are not those of rules.json. */
  disks: 'snf_image_disks',
  /** Where the result, monitor and trace go, when not to their serial ports (helper-channels.ts). */
  result: 'snf_image_result',
  monitor: 'snf_image_monitor',
  trace: 'snf_image_trace',
} as const;

/** The value of a `KEY=value` word of a command line split into words. */
export function kernelArg(words: readonly string[], key: string): string | undefined {
  return words.find((w) => w.startsWith(`${key}=`))?.slice(key.length + 1);
}
