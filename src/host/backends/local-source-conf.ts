import { join } from 'node:path';
import { readAssignmentsFile } from '../inputs/config-file.ts';
import type { InputFiles } from '../inputs/input-files.ts';
import { InvalidSettingError } from '../inputs/settings.ts';
import { describeValue } from '../inputs/sourced-value.ts';

/**
 * snf-image's local source back-end sourced CONFDIR/backends/src/local.conf,
 * where an operator may give it an IMAGE_DIR of its own; that one wins over
 * the main configuration's, as it did there. The file is read as NAME=value
 * lines and never run. Its DD is accepted at snf-image's default and refused
 * otherwise (the copy is snf-image's own); any other name is reported as not
 * used, since it is most often a typing mistake.
 */
export async function localSourceImageDir(imageDir: string, backendsConfigDir: string, files: InputFiles, warnings: string[]): Promise<string> {
  const layer = await readAssignmentsFile(join(backendsConfigDir, 'src', 'local.conf'), files);
  if (layer === undefined) return imageDir;
  for (const [name, given] of layer) {
    if (name === 'IMAGE_DIR') continue;
    if (name === 'DD') {
      if (given.value.trim() !== 'dd') throw new InvalidSettingError(name, given.value, `${describeValue(given)} cannot take effect: snf-image copies the image itself. Remove it.`);
      continue;
    }
    warnings.push(`${name} (set in ${given.where}) is not a setting of the local back-end; it is ignored. Check its spelling.`);
  }
  const own = layer.get('IMAGE_DIR');
  return own === undefined || own.value === '' ? imageDir : own.value;
}
