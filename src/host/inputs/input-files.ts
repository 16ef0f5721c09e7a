/**
 * What reading the deployment inputs needs from the host's filesystem: the
 * configuration, variant and list files, and what kind of thing a disk path
 * or a configured directory is. Passed in, so the parsing stays pure and tests
 * never touch the real /etc.
 */
export type PathKind = 'block-device' | 'file' | 'directory' | 'other' | 'missing';

export interface InputFiles {
  /** The file's text, or undefined when there is no such file. */
  readText(path: string): Promise<string | undefined>;
  /** What is at the path, following symlinks (Ganeti's disk paths are often symlinks). */
  kind(path: string): Promise<PathKind>;
}
