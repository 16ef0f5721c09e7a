import { join } from 'node:path';
import { configFileText, defaultVariantText, variantsListText } from './config-templates.ts';
import { OS_SCRIPT_NAMES, osScriptText, type ProgramPaths } from './os-scripts.ts';
import { parametersListText } from './parameters.ts';

/** Ganeti's OS API version that the scripts speak. */
export const GANETI_API_VERSION = 20;
export const DEFAULT_OS_DIR = '/srv/ganeti/os/snf-image';

/**
 * Who owns a file after install-os wrote it. The OS definition's files are
 * ours and rewritten on every install; the operator's (configuration,
 * variants) are written only when missing and never overwritten.
 */
export type Ownership = 'os-definition' | 'operator';

export type PlannedEntry =
  | { readonly kind: 'file'; readonly path: string; readonly text: string; readonly mode: number; readonly ownership: Ownership }
  | { readonly kind: 'symlink'; readonly path: string; readonly target: string; readonly ownership: Ownership };

export interface OsDefinitionLocations {
  readonly osDir: string;
  readonly configFile: string;
  readonly variantsDir: string;
  readonly variantsList: string;
}

/** The standard locations, under `root` (a DESTDIR for tests and packaging). */
export function standardLocations(osDir: string, root = '/'): OsDefinitionLocations {
  return {
    osDir,
    configFile: join(root, 'etc/snf-image/snf-image.conf'),
    variantsDir: join(root, 'etc/ganeti/snf-image/variants'),
    variantsList: join(root, 'etc/ganeti/snf-image/variants.list'),
  };
}

/**
 * Everything install-os writes, in order. As in snf-image's Debian package,
 * the published variants are listed in /etc/ganeti/snf-image/variants.list
 * (where the operator adds variants) and the OS directory links to it.
 */
export function plannedEntries(locations: OsDefinitionLocations, program: ProgramPaths): PlannedEntry[] {
  const ours = (name: string, text: string, mode = 0o644): PlannedEntry => ({ kind: 'file', path: join(locations.osDir, name), text, mode, ownership: 'os-definition' });
  const operators = (path: string, text: string): PlannedEntry => ({ kind: 'file', path, text, mode: 0o644, ownership: 'operator' });
  return [
    operators(locations.configFile, configFileText()),
    operators(locations.variantsList, variantsListText()),
    operators(join(locations.variantsDir, 'default.conf'), defaultVariantText()),
    ours('ganeti_api_version', `${GANETI_API_VERSION}\n`),
    ours('parameters.list', parametersListText()),
    { kind: 'symlink', path: join(locations.osDir, 'variants.list'), target: locations.variantsList, ownership: 'os-definition' },
    ...OS_SCRIPT_NAMES.map((script) => ours(script, osScriptText(script, program), 0o755)),
  ];
}
