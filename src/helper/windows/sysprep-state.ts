import { SnfImageError } from '../../errors.ts';
import type { WindowsGuest } from './windows-guest.ts';

/** An image that Windows setup would not specialize on first boot. */
export class SysprepStateError extends SnfImageError {
  override readonly name = 'SysprepStateError';
}

const STATE_KEY = 'Microsoft\\Windows\\CurrentVersion\\Setup\\State';

/** What each ImageState means for deployment: undefined when the image is ready. */
const IMAGE_STATES: Readonly<Record<string, string | undefined>> = {
  IMAGE_STATE_GENERALIZE_RESEAL_TO_OOBE: undefined,
  IMAGE_STATE_GENERALIZE_RESEAL_TO_AUDIT: undefined,
  IMAGE_STATE_COMPLETE: 'the image is not sysprepped: run "sysprep /generalize /oobe /shutdown" in it before deploying',
  IMAGE_STATE_UNDEPLOYABLE: 'the image is undeployable: a sysprep run failed in it; build the image again',
  IMAGE_STATE_SPECIALIZE_RESEAL_TO_OOBE: 'the image was sysprepped without /generalize: run "sysprep /generalize /oobe /shutdown" in it',
  IMAGE_STATE_SPECIALIZE_RESEAL_TO_AUDIT: 'the image was sysprepped without /generalize: run "sysprep /generalize /oobe /shutdown" in it',
};

/** Windows Vista and later: the image must be generalized (the SOFTWARE hive's ImageState). */
export async function checkGeneralized(guest: WindowsGuest): Promise<void> {
  const software = await guest.hive('SOFTWARE');
  const state = (await software.requiredValue(STATE_KEY, 'ImageState', 'the sysprep state of the image cannot be told')).trim();
  if (!(state in IMAGE_STATES)) throw new SysprepStateError(`Unknown sysprep ImageState ${JSON.stringify(state)} in ${software.label}: the image cannot be deployed`);
  const problem = IMAGE_STATES[state];
  if (problem) throw new SysprepStateError(`ImageState is ${state}: ${problem}`);
}

/**
 * Windows XP and 2003: sysprep -reseal -mini leaves SystemSetupInProgress
 * and MiniSetupInProgress set in the SYSTEM hive's Setup key.
 */
export async function checkResealed(guest: WindowsGuest): Promise<void> {
  const system = await guest.hive('SYSTEM');
  for (const name of ['SystemSetupInProgress', 'MiniSetupInProgress']) {
    const value = await system.value('Setup', name);
    if (value === undefined) throw new SysprepStateError(`${system.label} has no value ${name} under Setup: the image is not sysprepped; run "sysprep -reseal -mini" in it`);
    if (value.trim() !== '1') throw new SysprepStateError(`${name} is ${value.trim()} in ${system.label}: the image is not sysprepped; run "sysprep -reseal -mini" in it`);
  }
}
