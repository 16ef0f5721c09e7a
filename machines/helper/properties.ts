import { SnfImageError } from '../../src/errors.ts';

/** img_properties or inst_properties that cannot be used; the message names the parameter. */
export class PropertiesError extends SnfImageError {
  override readonly name = 'PropertiesError';
}

export interface PropertySources {
  /** Properties the host decided (rules.forcedProperties): the lowest precedence. */
  readonly forced: Readonly<Record<string, string>>;
  /** The img_properties OS parameter, as JSON text (SNF_IMAGE_PROPERTIES). */
  readonly imgProperties?: string;
  /** The inst_properties OS parameter, as JSON text (SNF_IMAGE_INST_PROPERTIES): overrides per key. */
  readonly instProperties?: string;
}

/**
 * The image properties by upper-case name, as snf-image's decode-properties
 * gave them: names are case-insensitive, strings stay as they are, numbers
 * and booleans become their text ("1", "true"), nested values their JSON.
 * A null value leaves the property unset (snf-image turned it into "None",
 * which check_yes_no then read as yes). Any Unicode works.
 */
export function decodeProperties(sources: PropertySources): Record<string, string> {
  const properties: Record<string, string> = {};
  const merge = (values: Readonly<Record<string, string>>) => {
    for (const [key, value] of Object.entries(values)) properties[key.toUpperCase()] = value;
  };
  merge(sources.forced);
  merge(parsePropertiesJson('img_properties', sources.imgProperties));
  merge(parsePropertiesJson('inst_properties', sources.instProperties));
  return properties;
}

function parsePropertiesJson(parameter: string, text: string | undefined): Record<string, string> {
  if (text === undefined || text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PropertiesError(`${parameter} is not valid JSON (${(error as Error).message}): give a JSON object such as {"OSFAMILY": "linux"}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new PropertiesError(`${parameter} must be a JSON object such as {"OSFAMILY": "linux"}, not ${Array.isArray(value) ? 'an array' : JSON.stringify(value)}`);
  }
  const decoded: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (v === null) continue;
    decoded[key] = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }
  return decoded;
}
