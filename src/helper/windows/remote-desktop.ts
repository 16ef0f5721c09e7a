import type { TaskContext } from '../task.ts';
import { appendToSetupComplete } from './setup-scripts.ts';
import { currentControlSet } from './windows-facts.ts';
import { windowsGuest } from './windows-task.ts';

const TERMINAL_SERVER = 'Control\\Terminal Server';

/**
 * Keeps Remote Desktop closed while setup runs (fDenyTSConnections = 1 in the
 * current control set) and puts the image's own setting back once setup is
 * complete. An image without the value gets 0 back, which allows connections:
 * that is Windows' behaviour for a missing value too.
 */
export async function disableRemoteDesktopDuringSetup(ctx: TaskContext): Promise<void> {
  const guest = windowsGuest(ctx);
  const system = await guest.hive('SYSTEM');
  const key = `${await currentControlSet(system)}\\${TERMINAL_SERVER}`;
  const original = await system.value(key, 'fDenyTSConnections');
  const restore = original === undefined ? 0 : Number(original) >>> 0;
  await system.setValues(key, { fDenyTSConnections: { dword: 1 } });
  await appendToSetupComplete(guest, [
    `reg add "HKLM\\SYSTEM\\CurrentControlSet\\${TERMINAL_SERVER}" /f /v fDenyTSConnections /t REG_DWORD /d ${restore}`,
  ]);
}
