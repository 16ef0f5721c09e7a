import { fileURLToPath } from 'node:url';

/**
 * Set by the Debian package's bundle (scripts/build-deb.ts, esbuild's
 * `define`) to the directory its files are installed in; undefined when the
 * program runs from a source checkout through tsx.
 */
declare const SNF_IMAGE_PACKAGE_ROOT: string | undefined;

/** The bundle's own file name inside the package root. */
export const BUNDLE_NAME = 'snf-image.mjs';

/** True when this program is the Debian package's bundle, not a source checkout. */
export const IS_PACKAGED = typeof SNF_IMAGE_PACKAGE_ROOT === 'string';

/**
 * Where the program's own files are (the helper-image recipe, the prebuilt
 * helper program, the visualizer's page), with a trailing slash: the
 * repository in a checkout, /usr/share/snf-image in the package, which keeps
 * them at the same relative paths.
 */
export const PROGRAM_ROOT: string = IS_PACKAGED ? (SNF_IMAGE_PACKAGE_ROOT as string) : fileURLToPath(new URL('../', import.meta.url));

/** The script the OS definition runs with node: bin/snf-image.js in a checkout, the bundle in the package. */
export const PROGRAM_ENTRY = IS_PACKAGED ? `${PROGRAM_ROOT}${BUNDLE_NAME}` : `${PROGRAM_ROOT}bin/snf-image.js`;
