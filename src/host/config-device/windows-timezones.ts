import { SnfImageError } from '../../errors.ts';

/**
 * WINDOWS_TIMEZONE resolved for the answer files: unattend.xml (Vista and
 * later) names a zone by its ID, sysprep.inf (XP and 2003) by a numeric index.
 */
export interface WindowsTimezone {
  /** The time-zone ID of current Windows (its registry key name). */
  readonly id: string;
  /** Three-digit XP-era index; absent for zones XP never had. */
  readonly legacyIndex?: string;
}

export class UnknownWindowsTimezone extends SnfImageError {
  override readonly name = 'UnknownWindowsTimezone';
  constructor(readonly value: string) {
    super(
      `WINDOWS_TIMEZONE "${value}" is not a Windows time zone: use a Windows time-zone ID such as "GMT Standard Time" or "UTC" ` +
        '(see `tzutil /l` on Windows), or one of the XP-era names of Microsoft\'s time zone index table',
    );
  }
}

/**
 * Microsoft's time zone index values of Windows XP and Server 2003, under the
 * names snf-image accepts, with the ID current Windows uses for the same zone
 * (several were renamed, Mid-Atlantic and Midway ones retired).
 */
const LEGACY_ZONES: readonly (readonly [index: string, name: string, id: string])[] = [
  ['000', 'Dateline Standard Time', 'Dateline Standard Time'],
  ['001', 'Samoa Standard Time', 'UTC-11'],
  ['002', 'Hawaiian Standard Time', 'Hawaiian Standard Time'],
  ['003', 'Alaskan Standard Time', 'Alaskan Standard Time'],
  ['004', 'Pacific Standard Time', 'Pacific Standard Time'],
  ['010', 'Mountain Standard Time', 'Mountain Standard Time'],
  ['013', 'Mexico Standard Time 2', 'Mountain Standard Time (Mexico)'],
  ['015', 'U.S. Mountain Standard Time', 'US Mountain Standard Time'],
  ['020', 'Central Standard Time', 'Central Standard Time'],
  ['025', 'Canada Central Standard Time', 'Canada Central Standard Time'],
  ['030', 'Mexico Standard Time', 'Central Standard Time (Mexico)'],
  ['033', 'Central America Standard Time', 'Central America Standard Time'],
  ['035', 'Eastern Standard Time', 'Eastern Standard Time'],
  ['040', 'U.S. Eastern Standard Time', 'US Eastern Standard Time'],
  ['045', 'S.A. Pacific Standard Time', 'SA Pacific Standard Time'],
  ['050', 'Atlantic Standard Time', 'Atlantic Standard Time'],
  ['055', 'S.A. Western Standard Time', 'SA Western Standard Time'],
  ['056', 'Pacific S.A. Standard Time', 'Pacific SA Standard Time'],
  ['060', 'Newfoundland and Labrador Standard Time', 'Newfoundland Standard Time'],
  ['065', 'E. South America Standard Time', 'E. South America Standard Time'],
  ['070', 'S.A. Eastern Standard Time', 'SA Eastern Standard Time'],
  ['073', 'Greenland Standard Time', 'Greenland Standard Time'],
  ['075', 'Mid-Atlantic Standard Time', 'UTC-02'],
  ['080', 'Azores Standard Time', 'Azores Standard Time'],
  ['083', 'Cape Verde Standard Time', 'Cape Verde Standard Time'],
  ['085', 'GMT Standard Time', 'GMT Standard Time'],
  ['090', 'Greenwich Standard Time', 'Greenwich Standard Time'],
  ['095', 'Central Europe Standard Time', 'Central Europe Standard Time'],
  ['100', 'Central European Standard Time', 'Central European Standard Time'],
  ['105', 'Romance Standard Time', 'Romance Standard Time'],
  ['110', 'W. Europe Standard Time', 'W. Europe Standard Time'],
  ['113', 'W. Central Africa Standard Time', 'W. Central Africa Standard Time'],
  ['115', 'E. Europe Standard Time', 'E. Europe Standard Time'],
  ['120', 'Egypt Standard Time', 'Egypt Standard Time'],
  ['125', 'FLE Standard Time', 'FLE Standard Time'],
  ['130', 'GTB Standard Time', 'GTB Standard Time'],
  ['135', 'Israel Standard Time', 'Israel Standard Time'],
  ['140', 'South Africa Standard Time', 'South Africa Standard Time'],
  ['145', 'Russian Standard Time', 'Russian Standard Time'],
  ['150', 'Arab Standard Time', 'Arab Standard Time'],
  ['155', 'E. Africa Standard Time', 'E. Africa Standard Time'],
  ['158', 'Arabic Standard Time', 'Arabic Standard Time'],
  ['160', 'Iran Standard Time', 'Iran Standard Time'],
  ['165', 'Arabian Standard Time', 'Arabian Standard Time'],
  ['170', 'Caucasus Standard Time', 'Caucasus Standard Time'],
  ['175', 'Transitional Islamic State of Afghanistan Standard Time', 'Afghanistan Standard Time'],
  ['180', 'Ekaterinburg Standard Time', 'Ekaterinburg Standard Time'],
  ['185', 'West Asia Standard Time', 'West Asia Standard Time'],
  ['190', 'India Standard Time', 'India Standard Time'],
  ['193', 'Nepal Standard Time', 'Nepal Standard Time'],
  ['195', 'Central Asia Standard Time', 'Central Asia Standard Time'],
  ['200', 'Sri Lanka Standard Time', 'Sri Lanka Standard Time'],
  ['201', 'N. Central Asia Standard Time', 'N. Central Asia Standard Time'],
  ['203', 'Myanmar Standard Time', 'Myanmar Standard Time'],
  ['205', 'S.E. Asia Standard Time', 'SE Asia Standard Time'],
  ['207', 'North Asia Standard Time', 'North Asia Standard Time'],
  ['210', 'China Standard Time', 'China Standard Time'],
  ['215', 'Singapore Standard Time', 'Singapore Standard Time'],
  ['220', 'Taipei Standard Time', 'Taipei Standard Time'],
  ['225', 'W. Australia Standard Time', 'W. Australia Standard Time'],
  ['227', 'North Asia East Standard Time', 'North Asia East Standard Time'],
  ['230', 'Korea Standard Time', 'Korea Standard Time'],
  ['235', 'Tokyo Standard Time', 'Tokyo Standard Time'],
  ['240', 'Yakutsk Standard Time', 'Yakutsk Standard Time'],
  ['245', 'A.U.S. Central Standard Time', 'AUS Central Standard Time'],
  ['250', 'Cen. Australia Standard Time', 'Cen. Australia Standard Time'],
  ['255', 'A.U.S. Eastern Standard Time', 'AUS Eastern Standard Time'],
  ['260', 'E. Australia Standard Time', 'E. Australia Standard Time'],
  ['265', 'Tasmania Standard Time', 'Tasmania Standard Time'],
  ['270', 'Vladivostok Standard Time', 'Vladivostok Standard Time'],
  ['275', 'West Pacific Standard Time', 'West Pacific Standard Time'],
  ['280', 'Central Pacific Standard Time', 'Central Pacific Standard Time'],
  ['285', 'Fiji Islands Standard Time', 'Fiji Standard Time'],
  ['290', 'New Zealand Standard Time', 'New Zealand Standard Time'],
  ['300', 'Tonga Standard Time', 'Tonga Standard Time'],
];

/** The time-zone IDs of current Windows (`tzutil /l`), west to east. */
export const WINDOWS_TIMEZONE_IDS: readonly string[] = [
  'Dateline Standard Time', 'UTC-11', 'Aleutian Standard Time', 'Hawaiian Standard Time',
  'Marquesas Standard Time', 'Alaskan Standard Time', 'UTC-09', 'Pacific Standard Time (Mexico)',
  'UTC-08', 'Pacific Standard Time', 'US Mountain Standard Time', 'Mountain Standard Time (Mexico)',
  'Mountain Standard Time', 'Yukon Standard Time', 'Central America Standard Time', 'Central Standard Time',
  'Easter Island Standard Time', 'Central Standard Time (Mexico)', 'Canada Central Standard Time',
  'SA Pacific Standard Time', 'Eastern Standard Time (Mexico)', 'Eastern Standard Time', 'Haiti Standard Time',
  'Cuba Standard Time', 'US Eastern Standard Time', 'Turks And Caicos Standard Time', 'Paraguay Standard Time',
  'Atlantic Standard Time', 'Venezuela Standard Time', 'Central Brazilian Standard Time', 'SA Western Standard Time',
  'Pacific SA Standard Time', 'Newfoundland Standard Time', 'Tocantins Standard Time', 'E. South America Standard Time',
  'SA Eastern Standard Time', 'Argentina Standard Time', 'Greenland Standard Time', 'Montevideo Standard Time',
  'Magallanes Standard Time', 'Saint Pierre Standard Time', 'Bahia Standard Time', 'UTC-02', 'Azores Standard Time',
  'Cape Verde Standard Time', 'UTC', 'GMT Standard Time', 'Greenwich Standard Time', 'Sao Tome Standard Time',
  'Morocco Standard Time', 'W. Europe Standard Time', 'Central Europe Standard Time', 'Romance Standard Time',
  'Central European Standard Time', 'W. Central Africa Standard Time', 'Jordan Standard Time', 'GTB Standard Time',
  'Middle East Standard Time', 'Egypt Standard Time', 'E. Europe Standard Time', 'Syria Standard Time',
  'West Bank Standard Time', 'South Africa Standard Time', 'FLE Standard Time', 'Israel Standard Time',
  'South Sudan Standard Time', 'Kaliningrad Standard Time', 'Sudan Standard Time', 'Libya Standard Time',
  'Namibia Standard Time', 'Arabic Standard Time', 'Turkey Standard Time', 'Arab Standard Time',
  'Belarus Standard Time', 'Russian Standard Time', 'E. Africa Standard Time', 'Iran Standard Time',
  'Arabian Standard Time', 'Astrakhan Standard Time', 'Azerbaijan Standard Time', 'Russia Time Zone 3',
  'Mauritius Standard Time', 'Saratov Standard Time', 'Georgian Standard Time', 'Volgograd Standard Time',
  'Caucasus Standard Time', 'Afghanistan Standard Time', 'West Asia Standard Time', 'Ekaterinburg Standard Time',
  'Pakistan Standard Time', 'Qyzylorda Standard Time', 'India Standard Time', 'Sri Lanka Standard Time',
  'Nepal Standard Time', 'Central Asia Standard Time', 'Bangladesh Standard Time', 'Omsk Standard Time',
  'Myanmar Standard Time', 'SE Asia Standard Time', 'Altai Standard Time', 'W. Mongolia Standard Time',
  'North Asia Standard Time', 'N. Central Asia Standard Time', 'Tomsk Standard Time', 'China Standard Time',
  'North Asia East Standard Time', 'Singapore Standard Time', 'W. Australia Standard Time', 'Taipei Standard Time',
  'Ulaanbaatar Standard Time', 'Aus Central W. Standard Time', 'Transbaikal Standard Time', 'Tokyo Standard Time',
  'North Korea Standard Time', 'Korea Standard Time', 'Yakutsk Standard Time', 'Cen. Australia Standard Time',
  'AUS Central Standard Time', 'E. Australia Standard Time', 'AUS Eastern Standard Time', 'West Pacific Standard Time',
  'Tasmania Standard Time', 'Vladivostok Standard Time', 'Lord Howe Standard Time', 'Bougainville Standard Time',
  'Russia Time Zone 10', 'Magadan Standard Time', 'Norfolk Standard Time', 'Sakhalin Standard Time',
  'Central Pacific Standard Time', 'Russia Time Zone 11', 'New Zealand Standard Time', 'UTC+12', 'Fiji Standard Time',
  'Chatham Islands Standard Time', 'UTC+13', 'Tonga Standard Time', 'Samoa Standard Time', 'Line Islands Standard Time',
];

/** The XP-era table as snf-image's ms-timezone-indexes.txt has it: index, name and current ID. */
export const LEGACY_WINDOWS_TIMEZONES = LEGACY_ZONES.map(([index, name, id]) => ({ index, name, id }));

const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * Looks WINDOWS_TIMEZONE up, case-insensitively and literally (snf-image used
 * it as a regular expression). A name that is both an XP-era name and a
 * current ID (most are) keeps that ID and the XP index, as snf-image wrote
 * them; an XP-only name gets the current ID of the same zone; a current-only
 * ID gets the index of the XP zone it replaced, if there was one.
 */
export function resolveWindowsTimezone(value: string): WindowsTimezone {
  const legacy = LEGACY_WINDOWS_TIMEZONES.find((zone) => sameName(zone.name, value));
  const current = WINDOWS_TIMEZONE_IDS.find((id) => sameName(id, value));
  const id = current ?? legacy?.id;
  if (id === undefined) throw new UnknownWindowsTimezone(value);
  const legacyIndex = legacy?.index ?? LEGACY_WINDOWS_TIMEZONES.find((zone) => zone.id === id)?.index;
  return legacyIndex === undefined ? { id } : { id, legacyIndex };
}
