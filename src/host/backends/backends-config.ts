/** What the back-ends read from the configuration. */
export interface BackendsConfig {
  /** IMAGE_DIR: the directory local images are read from. */
  readonly imageDir: string;
  /**
   * Holds `src/NAME.priority`, `src/NAME.disabled`, `dst/NAME.priority` and
   * `dst/NAME.disabled`, as snf-image's CONFDIR/backends does.
   */
  readonly backendsConfigDir: string;
}

export const DEFAULT_BACKENDS_CONFIG_DIR = '/etc/snf-image/backends';
