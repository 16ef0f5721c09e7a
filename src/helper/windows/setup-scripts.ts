import { windowsLines, type WindowsGuest } from './windows-guest.ts';

/**
 * The files the Windows tasks leave for Windows setup, where snf-image put
 * them (images and overriding tasks may rely on the names): scripts in
 * Windows\SnfScripts that the specialize pass runs, and SetupComplete.cmd,
 * which Windows runs once setup is complete and which cleans them up.
 */
export const SETUP_COMPLETE = 'Windows/Setup/Scripts/SetupComplete.cmd';
export const SNF_SCRIPTS = 'Windows/SnfScripts';
export const EXTEND_FILESYSTEM = `${SNF_SCRIPTS}/ExtendFilesystem`;
export const CHANGE_PASSWORD = `${SNF_SCRIPTS}/ChangeAdminPassword.cmd`;

/** The same files as Windows names them when it runs them. */
export const WINDOWS_PATHS = {
  setupComplete: 'C:\\Windows\\Setup\\Scripts\\SetupComplete.cmd',
  snfScripts: 'C:\\Windows\\SnfScripts',
  extendFilesystem: 'C:\\Windows\\SnfScripts\\ExtendFilesystem',
  changePassword: 'C:\\Windows\\SnfScripts\\ChangeAdminPassword.cmd',
  panther: 'C:\\Windows\\Panther',
} as const;

/** The specialize-pass commands that run the scripts. */
export const CHANGE_PASSWORD_COMMAND = WINDOWS_PATHS.changePassword;
export const EXTEND_FILESYSTEM_COMMAND = `diskpart.exe /s ${WINDOWS_PATHS.extendFilesystem}`;

/** A diskpart script that does nothing: FilesystemResizeMounted replaces it when the volume is to grow. */
const EXTEND_NOTHING = windowsLines(['exit']);
/** A password script that changes nothing: ChangePassword fills it in. */
const CHANGE_NOTHING = windowsLines(['@echo off']);

/** Lines that overwrite a file before deleting it, so what it held does not stay in free clusters. */
function scrubAndDelete(windowsPath: string): string[] {
  const filler = 'X'.repeat(64);
  return [`if exist "${windowsPath}" (for /l %%i in (1,1,64) do @echo ${filler})>"${windowsPath}"`, `if exist "${windowsPath}" del /f /q "${windowsPath}"`];
}

/** Adds lines at the end of SetupComplete.cmd, creating it (an image's own one is kept and runs first). */
export async function appendToSetupComplete(guest: WindowsGuest, lines: readonly string[]): Promise<void> {
  const current = (await guest.readText(SETUP_COMPLETE)) ?? '';
  const separator = current === '' || current.endsWith('\n') ? '' : '\r\n';
  await guest.writeText(SETUP_COMPLETE, current + separator + windowsLines(lines));
}

/**
 * Lays out the scripts for setup: harmless placeholders that the later tasks
 * fill in, and the SetupComplete.cmd lines that remove them once setup has
 * run them (the password script is scrubbed first).
 */
export async function prepareSetupScripts(guest: WindowsGuest): Promise<void> {
  await guest.makeDirectory(SNF_SCRIPTS);
  await guest.writeText(EXTEND_FILESYSTEM, EXTEND_NOTHING);
  await guest.writeText(CHANGE_PASSWORD, CHANGE_NOTHING);
  await appendToSetupComplete(guest, [
    `if exist "${WINDOWS_PATHS.extendFilesystem}" del /f /q "${WINDOWS_PATHS.extendFilesystem}"`,
    ...scrubAndDelete(WINDOWS_PATHS.changePassword),
    `rmdir "${WINDOWS_PATHS.snfScripts}"`,
  ]);
}
