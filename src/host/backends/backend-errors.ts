import { SnfImageError } from '../../errors.ts';

export class NoSuitableBackend extends SnfImageError {
  override readonly name = 'NoSuitableBackend';
  constructor(readonly kind: 'src' | 'dst', readonly id: string, readonly examined: readonly string[]) {
    const what = kind === 'src' ? `image id (img_id) "${id}"` : `disk "${id}"`;
    super(
      `no ${kind === 'src' ? 'source' : 'destination'} back-end handles ${what}` +
        (examined.length > 0 ? ` (examined: ${examined.join(', ')})` : ' (every back-end is disabled)'),
    );
  }
}

export class UnknownBackend extends SnfImageError {
  override readonly name = 'UnknownBackend';
  constructor(readonly kind: 'src' | 'dst', readonly backend: string) {
    super(`there is no ${kind === 'src' ? 'source' : 'destination'} back-end named "${backend}"`);
  }
}

/** An image with no bytes: only img_id null means "keep the disk as it is". */
export class EmptyImage extends SnfImageError {
  override readonly name = 'EmptyImage';
  constructor(readonly id: string) {
    super(`the image "${id}" (img_id) is empty (0 bytes): check the image file or URL; to customize the disk as it is, use img_id null`);
  }
}
