import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FUZZ_TARGETS } from './targets.ts';

/** The short run of scripts/fuzz.ts: a few hundred cases per input, a fresh seed each run (fast-check prints it on failure). */
describe('fuzzed inputs fail only with known errors', () => {
  for (const target of FUZZ_TARGETS) {
    it(target.name, async () => {
      await fc.assert(target.property(), { numRuns: 300 });
    });
  }
});
