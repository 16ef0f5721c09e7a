import { SnfImageError } from '../../errors.ts';
import { windowsLines } from './windows-guest.ts';

export class PasswordScriptError extends SnfImageError {
  override readonly name = 'PasswordScriptError';
}

/**
 * The batch script that setup runs in the specialize pass to set the users'
 * passwords. The password is in it in plain text, so its last line
 * overwrites the file and deletes it (the `(goto)` leaves the batch first, so
 * cmd does not read on in a file that is gone); SetupComplete.cmd does the
 * same in case the script never ran.
 */
export function passwordScript(users: readonly string[], password: string): string {
  checkBatchArgument(password, 'The password');
  const commands = users.map((user) => {
    checkBatchArgument(user, `The user name ${JSON.stringify(user)}`);
    return `net user "${batchEscape(user)}" "${batchEscape(password)}" /ACTIVE:YES /EXPIRES:NEVER /PASSWORDREQ:YES`;
  });
  const filler = 'X'.repeat(64);
  return windowsLines(['@echo off', ...commands, `(goto) 2>nul & (for /l %%i in (1,1,64) do @echo ${filler})>"%~f0" & del /f /q "%~f0"`]);
}

/**
 * Inside double quotes cmd takes & | < > ^ literally, but still expands %
 * (doubled to stay a %), and it has no way to put a " inside quotes. A batch
 * file is read in the OEM code page, so only printable ASCII is safe.
 */
function checkBatchArgument(value: string, what: string): void {
  if (value === '') throw new PasswordScriptError(`${what} is empty`);
  if (!/^[\x20-\x7e]*$/.test(value)) throw new PasswordScriptError(`${what} has characters other than printable ASCII, which a Windows batch file cannot pass on reliably: use letters, digits and ASCII punctuation`);
  if (value.includes('"')) throw new PasswordScriptError(`${what} contains a double quote ("), which net user cannot be given from a batch file: choose one without it`);
}

function batchEscape(value: string): string {
  return value.replace(/%/g, '%%');
}
