/** A server silent this long is not coming back; a healthy one sends something every few milliseconds. */
export const DEFAULT_DOWNLOAD_STALL_SECONDS = 60;

export const DEFAULT_BACKENDS_CONFIG_DIR = '/etc/snf-image/backends';
