/**
 * The long fuzzing run: every untrusted input (the Ganeti environment and
 * OSP_* values, img_properties, img_personality, config_url answers,
 * rules.json, the monitor's serial lines) with RUNS cases each (100,000 by
 * default). Exits 1 with fast-check's report (seed and shrunk case, to
 * replay) at the first crash outside the known error classes.
 *
 *   node --import tsx scripts/fuzz.ts [RUNS] [SEED] [INPUT]
 *
 * INPUT, a part of an input's name ("monitor", "rules"), fuzzes only that one.
 */
import { fuzzAll } from '../test/fuzz/targets.ts';

const runs = Number(process.argv[2] ?? 100_000);
const seed = process.argv[3] === undefined ? Date.now() % 2 ** 31 : Number(process.argv[3]);
const only = process.argv[4];
process.stdout.write(`fuzzing ${runs} cases per input, seed ${seed}\n`);
try {
  for (const { name, runs: count, ms } of await fuzzAll(runs, seed, only)) process.stdout.write(`${name}: ${count} cases, no crash (${(ms / 1000).toFixed(1)} s)\n`);
} catch (error) {
  process.stdout.write(`${(error as Error).message}\n`);
  process.exitCode = 1;
}
