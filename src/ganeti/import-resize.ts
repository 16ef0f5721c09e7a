import { SnfImageError } from '../errors.ts';
import { checkYesNo } from '../../machines/helper/yes-no.ts';
import { configFilePaths, readConfigFiles } from '../host/inputs/config-file.ts';
import type { InputFiles } from '../host/inputs/input-files.ts';
import { settingText } from '../host/inputs/settings.ts';
import { mergeLayers } from '../host/inputs/sourced-value.ts';
import { readVariant } from '../host/inputs/variants.ts';

/**
 * Growing an imported disk (beyond snf-image; its issue #49). An export
 * imported onto a larger disk leaves the partition table and the filesystem
 * at the old size. When the operator sets IMPORT_RESIZE=yes (in the
 * configuration file or the variant's), import runs create's customization
 * on the imported disk with the null source (nothing is copied) and only the
 * disk-layout tasks: EXCLUDE_MOUNTED_TASKS=yes leaves FixPartitionTable and
 * the unmounted filesystem resizes, so the guest's files, passwords and keys
 * stay as they were exported. That grows ext2/3/4 (and NTFS where
 * OFFLINE_NTFSRESIZE asks for it), not xfs or btrfs, which grow only
 * mounted: the helper says so, and import reports what kept its size
 * (layout-report.ts) instead of claiming it grew.
 */
export type Environment = Readonly<Record<string, string | undefined>>;

export const IMPORT_RESIZE = 'IMPORT_RESIZE';

export class ImportResizeError extends SnfImageError {
  override readonly name = 'ImportResizeError';
}

/** IMPORT_RESIZE from the configuration and variant files, as a yes/no. */
export async function importResizeRequested(env: Environment, files: InputFiles, warn: (message: string) => void): Promise<boolean> {
  const configLayer = await readConfigFiles(configFilePaths(env), files);
  const variantLayer = await readVariant(
    env.OS_VARIANT,
    { variantsDir: settingText(configLayer, 'VARIANTS_DIR'), variantsList: settingText(configLayer, 'VARIANTS_LIST') },
    files,
  );
  return checkYesNo(IMPORT_RESIZE, mergeLayers([configLayer, variantLayer]).get(IMPORT_RESIZE)?.value, warn);
}

/** The parameters that customize the guest: dropped, so a resize never re-applies them. */
const GUEST_PARAMETERS = /^OSP_/;

/**
 * The create environment for growing disk 0 after its import: the instance
 * as Ganeti described it to import, with only that disk (the others may
 * still be importing), img_id=null, an empty config_url (so a default one in
 * the configuration is not fetched), the image's own properties kept (they
 * name its OS family and root partition) and EXCLUDE_MOUNTED_TASKS=yes.
 */
export function resizeEnvironment(env: Environment): Record<string, string | undefined> {
  const resize: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(env)) {
    if (GUEST_PARAMETERS.test(name) || /^DISK_[1-9][0-9]*_/.test(name)) continue;
    resize[name] = value;
  }
  resize.DISK_COUNT = '1';
  resize.OSP_IMG_ID = 'null';
  resize.OSP_IMG_FORMAT = 'diskdump';
  resize.OSP_CONFIG_URL = '';
  if (env.OSP_IMG_PROPERTIES !== undefined) resize.OSP_IMG_PROPERTIES = env.OSP_IMG_PROPERTIES;
  resize.OSP_INST_PROPERTIES = JSON.stringify({ ...layoutProperties(env.OSP_INST_PROPERTIES), EXCLUDE_MOUNTED_TASKS: 'yes' });
  return resize;
}

/** The instance's own properties that describe the disk (ROOT_PARTITION, OSFAMILY, ...), without any EXCLUDE_MOUNTED_TASKS of its own. */
function layoutProperties(text: string | undefined): Record<string, unknown> {
  if (text === undefined || text.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
  return Object.fromEntries(Object.entries(parsed).filter(([key]) => key.toUpperCase() !== 'EXCLUDE_MOUNTED_TASKS'));
}
