import type { Writable } from 'node:stream';
import { isSnfImageError } from '../errors.ts';
import { verifyParameters } from '../host/inputs/deployment-request.ts';
import { realInputFiles } from '../host/inputs/real-input-files.ts';

/**
 * Ganeti's verify script, `verify parameters`: run before add, reinstall,
 * import and `gnt-instance modify -O`, with only OS_* and OSP_* set. On a bad
 * parameter it exits 1 and Ganeti shows its output in the job's error, so the
 * output is one plain sentence naming the parameter, not a log record.
 */
export const VERIFY_TARGETS = ['parameters'] as const;

export async function runVerify(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, errors: Writable = process.stderr): Promise<number> {
  const unknown = argv.filter((target) => !(VERIFY_TARGETS as readonly string[]).includes(target));
  if (unknown.length > 0 || argv.length === 0) {
    errors.write(`snf-image verify: can verify ${VERIFY_TARGETS.join(', ')}, not ${unknown.length > 0 ? unknown.join(' ') : 'nothing'}; Ganeti runs \`verify parameters\`\n`);
    return 2;
  }
  try {
    const { warnings } = await verifyParameters({ env, files: realInputFiles });
    for (const warning of warnings) errors.write(`snf-image verify: warning: ${warning}\n`);
    return 0;
  } catch (error) {
    if (!isSnfImageError(error)) throw error;
    errors.write(`snf-image verify: ${error.message}\n`);
    return 1;
  }
}
