import { SnfImageError } from '../../errors.ts';
import type { Hive } from './registry.ts';
import type { WindowsGuest } from './windows-guest.ts';

export interface NtVersion {
  readonly major: number;
  readonly minor: number;
}

/** Architectures an answer file's components name (processorArchitecture). */
export const ARCHITECTURES = ['x86', 'amd64', 'ia64', 'arm', 'arm64'] as const;
export type Architecture = (typeof ARCHITECTURES)[number];

const CURRENT_VERSION_KEY = 'Microsoft\\Windows NT\\CurrentVersion';

/** The NT version from the SOFTWARE hive's CurrentVersion ("6.1" for Windows 7, "5.1" for XP). */
export async function readNtVersion(guest: WindowsGuest): Promise<NtVersion> {
  const software = await guest.hive('SOFTWARE');
  const text = await software.requiredValue(CURRENT_VERSION_KEY, 'CurrentVersion', 'the Windows version cannot be told');
  const match = /^(\d+)\.(\d+)$/.exec(text.trim());
  if (!match) throw new SnfImageError(`${software.label} gives the Windows version as ${JSON.stringify(text)} under ${CURRENT_VERSION_KEY}\\CurrentVersion, which is not MAJOR.MINOR`);
  return { major: Number(match[1]), minor: Number(match[2]) };
}

/** The control set Windows boots with: ControlSet00N from SYSTEM's Select\Current. */
export async function currentControlSet(system: Hive): Promise<string> {
  const text = await system.requiredValue('Select', 'Current', 'the current control set cannot be told');
  const number = Number(text);
  if (!Number.isInteger(number) || number < 1 || number > 999) throw new SnfImageError(`${system.label} names control set ${JSON.stringify(text)} in Select\\Current, which is not a control set number`);
  return `ControlSet${String(number).padStart(3, '0')}`;
}

/** The processor architecture of the installed Windows, lower-cased as answer files name it (amd64, x86). */
export async function readArchitecture(guest: WindowsGuest): Promise<Architecture> {
  const system = await guest.hive('SYSTEM');
  const key = `${await currentControlSet(system)}\\Control\\Session Manager\\Environment`;
  const value = (await system.requiredValue(key, 'PROCESSOR_ARCHITECTURE', 'the architecture of the image cannot be told')).trim().toLowerCase();
  const architecture = ARCHITECTURES.find((a) => a === value);
  if (!architecture) throw new SnfImageError(`${system.label} gives PROCESSOR_ARCHITECTURE ${JSON.stringify(value)} under ${key}, which no answer file component can target (${ARCHITECTURES.join(', ')})`);
  return architecture;
}
