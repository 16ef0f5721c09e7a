/** What the back-ends read from the configuration. */
export interface BackendsConfig {
  /** IMAGE_DIR: the directory local images are read from. */
  readonly imageDir: string;
  /**
   * Holds `src/NAME.priority`, `src/NAME.disabled`, `dst/NAME.priority` and
   * `dst/NAME.disabled`, as snf-image's CONFDIR/backends does.
   */
  readonly backendsConfigDir: string;
  /** Seconds a download may go without a byte before it fails (DEFAULT_DOWNLOAD_STALL_SECONDS unless given). */
  readonly downloadStallSeconds?: number;
}

/** A server silent this long is not coming back; a healthy one sends something every few milliseconds. */
export const DEFAULT_DOWNLOAD_STALL_SECONDS = 60;

export const DEFAULT_BACKENDS_CONFIG_DIR = '/etc/snf-image/backends';
