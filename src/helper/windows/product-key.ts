import { SnfImageError } from '../../errors.ts';

export class ProductKeyError extends SnfImageError {
  override readonly name = 'ProductKeyError';
}

const PRODUCT_KEY = /^[A-Za-z0-9]{5}(-[A-Za-z0-9]{5}){4}$/;

/**
 * Checks os_product_key before it goes into an answer file: five groups of
 * five letters or digits. The host checks it too; the helper checks again,
 * since the value ends up inside XML and INI files. The message never shows
 * the key.
 */
export function checkProductKey(key: string): void {
  if (!PRODUCT_KEY.test(key)) {
    throw new ProductKeyError(`os_product_key is not a Windows product key (${key.length} characters given): use five groups of five letters or digits joined by dashes, XXXXX-XXXXX-XXXXX-XXXXX-XXXXX`);
  }
}
