import { stat } from 'node:fs/promises';
import type { DestinationBackend } from './destination-backend.ts';

/** A disk Ganeti gives as a path: a block device, or a file of the file and sharedfile templates. */
export const localDestination: DestinationBackend = {
  name: 'local',
  defaultPriority: 10,
  async accepts(disk) {
    try {
      await stat(disk);
      return true;
    } catch {
      return false;
    }
  },
  attach: async (disk) => ({ target: disk, resources: [] }),
};
