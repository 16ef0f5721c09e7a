import { SnfImageError } from '../errors.ts';

/** The helper kernel could not be built: its source, its configuration or the compiler said no. */
export class KernelBuildFailed extends SnfImageError {
  override readonly name = 'KernelBuildFailed';
}
