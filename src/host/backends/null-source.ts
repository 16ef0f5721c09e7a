import { emptySource } from './byte-source.ts';
import type { SourceBackend } from './source-backend.ts';

/** img_id `null`: nothing is written, the disk is customized as it is (a snapshot, say). */
export const nullSource: SourceBackend = {
  name: 'null',
  defaultPriority: 30,
  accepts: (imageId) => imageId === 'null',
  inspect: async () => ({ size: 0, warnings: [] }),
  open: async () => emptySource,
};
