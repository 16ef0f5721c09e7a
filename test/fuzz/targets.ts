import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { decodeProperties } from '../../machines/helper/properties.ts';
import { isSnfImageError } from '../../src/errors.ts';
import { parsePersonality } from '../../src/helper/linux/personality.ts';
import { readRules } from '../../src/helper/rules-source.ts';
import { fetchConfigUrl } from '../../src/host/inputs/config-url.ts';
import { loadDeploymentRequest, verifyParameters } from '../../src/host/inputs/deployment-request.ts';
import { OS_PARAMETER_NAMES } from '../../machines/host/os-parameter-names.ts';
import { MonitorChannelParser } from '../../src/protocol/monitor-parser.ts';
import { createEnv, DISK_0_PATH } from '../host/inputs/ganeti-fixtures.ts';
import { memoryFiles } from '../host/inputs/memory-files.ts';

/**
 * What the fuzzer feeds each untrusted input, and the property: the code
 * returns, or fails with one of the known errors (an SnfImageError), never
 * with anything else (a TypeError, a RangeError, a zod error, a hang).
 */
export interface FuzzTarget {
  readonly name: string;
  readonly property: () => fc.IRawProperty<[unknown, ...unknown[]]>;
}

/** Only known errors may escape. */
function knownFailure(error: unknown): void {
  if (!isSnfImageError(error)) throw error;
}

async function settles(work: () => unknown): Promise<void> {
  try {
    await work();
  } catch (error) {
    knownFailure(error);
  }
}

/** Text as it comes at us: printable, any Unicode, control characters, lone surrogates. */
const anyText = fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary' }), fc.constantFrom('', ' ', '\n', '\0', 'null', '{}', '[]', 'yes', 'no'));

/** JSON that looks like what the operator means, with values of every type in it. */
const jsonValue = fc.jsonValue({ maxDepth: 3 });
const jsonText = fc.oneof(anyText, jsonValue.map((value) => JSON.stringify(value)), fc.dictionary(anyText, jsonValue).map((value) => JSON.stringify(value)));

const CONF = '/fuzz/snf-image.conf';
const VARIANTS = '/etc/ganeti/snf-image/variants';

const GANETI_VARIABLES = [
  'OS_API_VERSION', 'INSTANCE_NAME', 'HYPERVISOR', 'DISK_COUNT', 'DISK_0_PATH', 'DISK_0_URI', 'DISK_0_SIZE', 'DISK_0_ACCESS',
  'OS_VARIANT', 'INSTANCE_REINSTALL', 'INSTANCE_HV_disk_type', 'INSTANCE_HV_machine_version', 'NIC_COUNT', 'NIC_0_MAC', 'NIC_0_IP', 'NIC_0_MODE', 'NIC_0_NETWORK_TAGS',
  ...OS_PARAMETER_NAMES.filter((name) => name !== 'config_url').map((name) => `OSP_${name.toUpperCase()}`),
];

/** A real create environment with some variables replaced or removed, and a configuration file of any text. */
const ganetiInput = fc.record({
  changes: fc.dictionary(fc.constantFrom(...GANETI_VARIABLES), fc.option(fc.oneof(anyText, jsonText), { nil: undefined })),
  config: fc.oneof(fc.constant(''), anyText, fc.array(fc.tuple(fc.constantFrom('IMAGE_DEBUG', 'HELPER_MEMORY', 'PROGRESS_MONITOR', 'DEFAULT_NIC_CONFIG', 'IMG_PROPERTIES', 'HELPER_SOFT_TIMEOUT', 'VARIANTS_LIST'), anyText), { maxLength: 4 }).map((pairs) => pairs.map(([k, v]) => `${k}=${v}`).join('\n'))),
});

const noFetch: typeof globalThis.fetch = async () => {
  throw new Error('the fuzzed environment has no config_url');
};

/** A config_url server's answer: any status, any body, often JSON with OS parameter names. */
const configAnswer = fc.record({
  status: fc.constantFrom(200, 200, 200, 204, 301, 404, 500),
  body: fc.oneof(anyText, jsonText, fc.dictionary(fc.oneof(fc.constantFrom(...OS_PARAMETER_NAMES, ...OS_PARAMETER_NAMES.map((n) => n.toUpperCase())), anyText), fc.oneof(jsonValue, anyText)).map((v) => JSON.stringify(v))),
});

/** Serial-port text: valid lines, partial lines, garbage, megabyte lines, cut anywhere into chunks. */
const monitorLine = fc.oneof(
  fc.constantFrom('TASK_START:', 'TASK_END:', 'WARNING:', 'ERROR:', 'STDERR:3:', 'STDERR:0:', 'STDERR:99999999999999999999:').chain((command) => anyText.map((text) => `${command}${text}\n`)),
  anyText,
  fc.uint8Array({ maxLength: 600 }).map((bytes) => Buffer.from(bytes).toString('utf8')),
  fc.integer({ min: 1, max: 1024 * 1024 }).map((length) => 'W'.repeat(length)),
);
const monitorInput = fc.record({ lines: fc.array(monitorLine, { maxLength: 12 }), cuts: fc.array(fc.nat(), { maxLength: 8 }) });

export const FUZZ_TARGETS: readonly FuzzTarget[] = [
  {
    name: 'ganeti environment and OSP_* values (create and verify)',
    property: () =>
      fc.asyncProperty(ganetiInput, async ({ changes, config }) => {
        const env: Record<string, string> = { ...createEnv, SNF_IMAGE_CONFIG_FILE: CONF };
        for (const [name, value] of Object.entries(changes)) {
          if (value === undefined) delete env[name];
          else env[name] = value;
        }
        const files = memoryFiles({ [CONF]: config, [`${VARIANTS}/default.conf`]: '' }, { [VARIANTS]: 'directory', [DISK_0_PATH]: 'file' });
        await settles(() => loadDeploymentRequest({ env, files, fetch: noFetch }));
        await settles(() => verifyParameters({ env, files }));
      }),
  },
  {
    name: 'img_properties and inst_properties',
    property: () => fc.property(jsonText, jsonText, (imgProperties, instProperties) => void settlesSync(() => decodeProperties({ forced: {}, imgProperties, instProperties }))),
  },
  {
    name: 'img_personality',
    property: () =>
      fc.property(
        fc.oneof(jsonText, fc.array(fc.record({ path: fc.oneof(anyText, jsonValue), contents: fc.oneof(anyText, jsonValue), owner: fc.oneof(anyText, jsonValue), group: fc.oneof(anyText, jsonValue), mode: fc.oneof(fc.integer(), jsonValue) }, { requiredKeys: [] })).map((v) => JSON.stringify(v))),
        (text) => void settlesSync(() => parsePersonality(text)),
      ),
  },
  {
    name: 'config_url answers',
    property: () =>
      fc.asyncProperty(configAnswer, async ({ status, body }) => {
        const fetch: typeof globalThis.fetch = async () => new Response(status === 204 ? null : body, { status });
        await settles(() => fetchConfigUrl('http://config.example/vm.json', { fetch, timeoutSeconds: 5 }, []));
      }),
  },
  {
    name: 'rules.json',
    property: () =>
      fc.asyncProperty(
        fc.oneof(jsonText, fc.record({ version: fc.oneof(fc.constant(1), jsonValue), env: fc.oneof(fc.dictionary(anyText, fc.oneof(anyText, jsonValue)), jsonValue), devices: fc.oneof(fc.array(anyText), jsonValue), forcedProperties: fc.oneof(fc.dictionary(anyText, anyText), jsonValue) }, { requiredKeys: [] }).map((v) => JSON.stringify(v))),
        async (text) => {
          const dir = mkdtempSync(join(tmpdir(), 'snf-image-fuzz-rules-'));
          try {
            const file = join(dir, 'rules.json');
            writeFileSync(file, text);
            const signal = new AbortController().signal;
            await settles(() => readRules({ file }, { processes: { run: async () => ({ exitCode: 0, stdout: '', stderr: '' }) }, emit: () => undefined, signal }));
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
        },
      ),
  },
  {
    name: "the monitor's serial lines",
    property: () =>
      fc.property(monitorInput, ({ lines, cuts }) => {
        const text = lines.join('');
        const points = [...new Set(cuts.map((cut) => cut % (text.length + 1)))].sort((a, b) => a - b);
        const chunks = [...points, text.length].map((end, i) => text.slice(i === 0 ? 0 : points[i - 1], end));
        const parser = new MonitorChannelParser();
        settlesSync(() => {
          for (const chunk of chunks) parser.push(chunk);
          parser.end();
        });
      }),
  },
];

function settlesSync(work: () => unknown): void {
  try {
    work();
  } catch (error) {
    knownFailure(error);
  }
}

/**
 * Runs every target (or those whose name contains `only`), `numRuns` cases
 * each. Resolves with the count per target, or rejects with fast-check's
 * report of the first crash.
 */
export async function fuzzAll(numRuns: number, seed?: number, only?: string): Promise<{ name: string; runs: number; ms: number }[]> {
  const results = [];
  for (const target of FUZZ_TARGETS.filter((t) => only === undefined || t.name.includes(only))) {
    const started = performance.now();
    await fc.assert(target.property(), { numRuns, ...(seed === undefined ? {} : { seed }) });
    results.push({ name: target.name, runs: numRuns, ms: Math.round(performance.now() - started) });
  }
  return results;
}
