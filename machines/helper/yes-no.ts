/**
 * snf-image's check_yes_no: unset is false; yes/true/on/1/set are true and
 * no/false/off/0/unset false, in any case; empty is false with a warning, and
 * anything else true with a warning (an operator who wrote something is more
 * likely to have meant yes).
 */
export function checkYesNo(name: string, value: string | undefined, warn: (message: string) => void): boolean {
  if (value === undefined) return false;
  const word = value.trim().toLowerCase();
  if (word === '') {
    warn(`Variable ${name} is defined but empty; treating it as NO`);
    return false;
  }
  if (YES.has(word)) return true;
  if (NO.has(word)) return false;
  warn(`Invalid value "${value}" for ${name}; treating it as YES`);
  return true;
}

const YES = new Set(['yes', 'true', 'on', '1', 'set']);
const NO = new Set(['no', 'false', 'off', '0', 'unset']);
