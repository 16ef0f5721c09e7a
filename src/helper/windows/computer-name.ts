import { SnfImageError } from '../../errors.ts';

export class ComputerNameError extends SnfImageError {
  override readonly name = 'ComputerNameError';
}

/** Windows keeps NetBIOS names to 15 characters (the 16th byte is the service type). */
export const MAX_COMPUTER_NAME_LENGTH = 15;

/**
 * Checks that the instance name can be the Windows computer name: 1 to 15
 * letters, digits and dashes, not all digits (Windows rejects those), so also
 * no dots: an FQDN instance name does not fit. snf-image measured with a
 * trailing newline and so allowed only 14 characters; 15 is the real limit.
 */
export function checkComputerName(name: string): void {
  const hint = `give the instance a name of at most ${MAX_COMPUTER_NAME_LENGTH} letters, digits and dashes`;
  if (name === '') throw new ComputerNameError(`The instance name is empty and cannot be the Windows computer name: ${hint}`);
  const invalid = [...name].find((c) => !/^[A-Za-z0-9-]$/.test(c));
  if (invalid !== undefined) {
    const what = invalid === '.' ? 'a dot (a Windows computer name is a single label, not an FQDN)' : `the character ${JSON.stringify(invalid)}`;
    throw new ComputerNameError(`The instance name ${JSON.stringify(name)} cannot be the Windows computer name: it contains ${what}; ${hint}`);
  }
  if (name.length > MAX_COMPUTER_NAME_LENGTH) {
    throw new ComputerNameError(`The instance name ${JSON.stringify(name)} cannot be the Windows computer name: it has ${name.length} characters, Windows allows ${MAX_COMPUTER_NAME_LENGTH}; ${hint}`);
  }
  if (/^[0-9]+$/.test(name)) throw new ComputerNameError(`The instance name ${JSON.stringify(name)} cannot be the Windows computer name: Windows rejects names made only of digits; ${hint}`);
}
