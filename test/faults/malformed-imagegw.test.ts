/**
 * Issue #7, the fault suite: wrong types in every field of `Imagegw`, generated with fast-check
 * (seeded by test/setup-fast-check.ts), judged in-process and end to end (E-HPC emulator → pop-core
 * → the CLI's `run` and the scheduled handler).
 *
 * The rule asserted ("never compliant when malformed"):
 *
 *   A DescribeImageGatewayConfig body in which a field of the documented shape (spec/cloud-apis.md
 *   §1.3: `Imagegw`; its UpdateDateTime, ImageExpirationTimeout, MongoDBURI, DefaultImageLocation,
 *   PullUpdateTimeout and Locations; `Locations.LocationInfo`; each location; each location's
 *   Location, RemoteType, URL and Authentication) holds a value of another type, or is missing
 *   where required, is never compliant: the cluster is `violating` with a `config.invalid` finding
 *   naming exactly that field (`Imagegw` when the object itself is wrong, `Locations.LocationInfo[i]`
 *   for a location that is not an object), or it is in `error`.
 *
 *   Not wrong types, because the product documents them as accepted (docs/cli.md "Reading
 *   Imagegw", spec §1.3): PullUpdateTimeout as a string of digits; Locations as a bare list;
 *   LocationInfo as one object, or absent or null (an empty list); URL and Authentication absent
 *   or null (their defaults `https://<Location>` and `http`). A test below pins these as compliant
 *   under the minimal policy, so the exclusions are the product's decisions and not the generator's
 *   blind spots.
 *
 * The rule must hold under every policy, so it is checked under the minimal one (`version: 1`: only
 * the rules that always apply), the built-in baseline and examples/policy.yaml. Values are judged
 * after a JSON round trip, as they arrive from the wire.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler } from '../../functions/scheduled-audit/index';
import { evaluateGateway } from '../../shared/audit/evaluate';
import { clusterStatus } from '../../shared/audit/report';
import type { Finding, Report } from '../../shared/audit/types';
import { baselinePolicy, loadPolicyFile, parsePolicy } from '../../shared/policy/load';
import type { Policy } from '../../shared/policy/policy';
import { stableRequestId } from '../emulator/ehpc/fleet';
import { startEhpcEmulator } from '../emulator/ehpc/server';
import type { EhpcEmulator, EmulatedCluster } from '../emulator/ehpc/types';
import { REPO, runCli } from '../helpers/cli';
import { CLI_KEY, captureOutput, expectCleanExit, ROLE_KEY, shortTimeoutReader } from '../helpers/faults';
import { fcContext, timerEvent } from '../helpers/fc';

const NOW = new Date('2026-12-03T12:00:00Z');
const MINIMAL_POLICY = 'version: 1\n';

/** Compliant under all three policies: two locations, so one can break while the other stands. */
function validImagegw(): Record<string, unknown> {
  return {
    UpdateDateTime: '2026-11-20T08:00:00',
    ImageExpirationTimeout: '30:00:00:00',
    MongoDBURI: 'mongodb://mongo.internal:27017/imagegw?tls=true',
    DefaultImageLocation: 'registry-1.docker.io',
    PullUpdateTimeout: 300,
    Locations: {
      LocationInfo: [
        {
          URL: 'https://registry-1.docker.io',
          RemoteType: 'dockerv2',
          Location: 'registry-1.docker.io',
          Authentication: 'https',
        },
        {
          URL: '',
          RemoteType: 'dockerv2',
          Location: 'ehpc-registry.cn-hangzhou.cr.aliyuncs.com',
          Authentication: 'https',
        },
      ],
    },
  };
}

// ---------------------------------------------------------------------------------------------------
// Generators: one wrong-typed field each; a body gets one to four of them
// ---------------------------------------------------------------------------------------------------

/** Removes the key instead of setting a value. */
const DELETE = Symbol('delete');
type Value = unknown | typeof DELETE;

interface Mutation {
  /** `imagegw`, a top-level field, `locations`, `item:<i>` or `field:<i>:<name>`. */
  target: string;
  value: Value;
  /** The field the config.invalid finding must name. */
  field: string;
}

const small = { maxLength: 3, depthSize: 'xsmall' } as const;
const anyJson = fc.jsonValue({ maxDepth: 2 });
/**
 * Numbers of safe magnitude: integers beyond 2^53 reach the engine as strings (json-bigint, then
 * toPlainJson), which the last section of this file pins as a bug of its own.
 */
const SAFE = 2 ** 53 - 1;
const number = fc.oneof(fc.integer(), fc.double({ noNaN: true, min: -SAFE, max: SAFE }));
const array = fc.array(anyJson, { maxLength: 3 });
const object = fc.dictionary(fc.string({ maxLength: 8 }), anyJson, { maxKeys: 3 });
/** Anything but a string (and not absent). */
const notString = fc.oneof(number, fc.boolean(), array, object);
/** Anything but a string, null and absent included. */
const notStringOrMissing = fc.oneof(notString, fc.constant(null), fc.constant<Value>(DELETE));

const STRING_FIELDS = [
  'UpdateDateTime',
  'ImageExpirationTimeout',
  'MongoDBURI',
  'DefaultImageLocation',
] as const;

const pullUpdateWrong = fc.oneof(
  fc.string({ maxLength: 6 }).filter((text) => !/^[0-9]+$/.test(text)),
  fc.integer({ max: -1 }),
  fc.double({ noNaN: true, min: -SAFE, max: SAFE }).filter((value) => !Number.isInteger(value)),
  fc.bigInt({ min: 2n ** 53n, max: 2n ** 70n }).map((big) => big.toString()),
  fc.boolean(),
  array,
  object,
  fc.constant(null),
  fc.constant<Value>(DELETE),
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  {
    weight: 1,
    arbitrary: fc
      .oneof(
        fc.constant(null),
        fc.constant<Value>(DELETE),
        fc.constant({}),
        fc.string(small),
        number,
        fc.boolean(),
        array,
      )
      .map((value) => ({ target: 'imagegw', value, field: 'Imagegw' })),
  },
  {
    weight: 8,
    arbitrary: fc
      .tuple(fc.constantFrom(...STRING_FIELDS), notStringOrMissing)
      .map(([name, value]) => ({ target: name, value, field: name })),
  },
  {
    weight: 3,
    arbitrary: pullUpdateWrong.map((value) => ({
      target: 'PullUpdateTimeout',
      value,
      field: 'PullUpdateTimeout',
    })),
  },
  {
    weight: 3,
    arbitrary: fc.oneof(
      fc
        .oneof(fc.string(small), number, fc.boolean(), fc.constant(null), fc.constant<Value>(DELETE))
        .map((value) => ({ target: 'locations', value, field: 'Locations' })),
      fc.oneof(fc.string(small), number, fc.boolean()).map((inner) => ({
        target: 'locations',
        value: { LocationInfo: inner },
        field: 'Locations.LocationInfo',
      })),
      fc
        .tuple(fc.constantFrom('Location', 'locationInfo', 'Items', 'LocationInfos'), array)
        .map(([key, list]) => ({ target: 'locations', value: { [key]: list }, field: 'Locations' })),
    ),
  },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.integer({ min: 0, max: 1 }),
        fc.oneof(fc.string(small), number, fc.boolean(), fc.constant(null), array),
      )
      .map(([index, value]) => ({
        target: `item:${index}`,
        value,
        field: `Locations.LocationInfo[${index}]`,
      })),
  },
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: 1 }), fc.constantFrom('Location', 'RemoteType'), notStringOrMissing)
      .map(([index, name, value]) => ({
        target: `field:${index}:${name}`,
        value,
        field: `Locations.LocationInfo[${index}].${name}`,
      })),
  },
  {
    weight: 6,
    // URL and Authentication may be absent or null (documented defaults): only other types are wrong.
    arbitrary: fc
      .tuple(fc.integer({ min: 0, max: 1 }), fc.constantFrom('URL', 'Authentication'), notString)
      .map(([index, name, value]) => ({
        target: `field:${index}:${name}`,
        value,
        field: `Locations.LocationInfo[${index}].${name}`,
      })),
  },
);

/** One to four mutations that do not overwrite each other (a replaced container drops what was inside). */
const mutations = fc.array(mutation, { minLength: 1, maxLength: 4 }).map((list) => {
  const imagegw = list.find((entry) => entry.target === 'imagegw');
  if (imagegw) return [imagegw];
  const kept: Mutation[] = [];
  const replacesLocations = list.some((entry) => entry.target === 'locations');
  for (const entry of list) {
    if (kept.some((other) => other.target === entry.target)) continue;
    if (replacesLocations && (entry.target.startsWith('item:') || entry.target.startsWith('field:')))
      continue;
    const [, index] = entry.target.split(':');
    if (entry.target.startsWith('field:') && list.some((other) => other.target === `item:${index}`)) continue;
    kept.push(entry);
  }
  return kept;
});

function set(target: Record<string, unknown>, key: string, value: Value): void {
  if (value === DELETE) delete target[key];
  else target[key] = value;
}

/** The response body with the mutations applied, as the wire carries it (a JSON round trip). */
function malformedBody(list: readonly Mutation[], requestId: string): Record<string, unknown> {
  const body: Record<string, unknown> = { RequestId: requestId, Imagegw: validImagegw() };
  const imagegw = body.Imagegw as Record<string, unknown>;
  const items = (imagegw.Locations as { LocationInfo: Record<string, unknown>[] }).LocationInfo;
  for (const entry of list) {
    const [kind, index, name] = entry.target.split(':');
    if (kind === 'imagegw') set(body, 'Imagegw', entry.value);
    else if (kind === 'locations') set(imagegw, 'Locations', entry.value);
    else if (kind === 'item') items[Number(index)] = entry.value as Record<string, unknown>;
    else if (kind === 'field') set(items[Number(index)] ?? {}, name ?? '', entry.value);
    else set(imagegw, entry.target, entry.value);
  }
  return JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
}

/** The rule of this file, for one cluster's outcome. */
function expectNeverCompliant(
  status: string,
  findings: readonly Finding[],
  list: readonly Mutation[],
  where: string,
): void {
  expect(status, where).not.toBe('compliant');
  if (status === 'error') return;
  const invalid = findings
    .filter((finding) => finding.ruleId === 'config.invalid')
    .map((finding) => finding.field);
  for (const entry of list) expect(invalid, where).toContain(entry.field);
}

// ---------------------------------------------------------------------------------------------------
// In-process: the engine every entry point shares, many inputs, three policies
// ---------------------------------------------------------------------------------------------------

let examplePolicy: Policy;
beforeAll(async () => {
  examplePolicy = await loadPolicyFile(join(REPO, 'examples', 'policy.yaml'));
});

function judge(body: unknown, policy: Policy) {
  const { findings } = evaluateGateway(
    { clusterId: 'ehpc-hz-Fuzz0001', region: 'cn-hangzhou' },
    body,
    policy,
    {
      now: NOW,
    },
  );
  return { status: clusterStatus(findings), findings };
}

describe('wrong-typed Imagegw fields, judged by the engine', () => {
  it('the valid body and every documented leniency are compliant under every policy', () => {
    const policies = [parsePolicy(MINIMAL_POLICY, 'minimal.yaml'), baselinePolicy(), examplePolicy];
    const [first, second] = (validImagegw().Locations as { LocationInfo: Record<string, unknown>[] })
      .LocationInfo;
    const lenient: Record<string, Record<string, unknown>> = {
      valid: validImagegw(),
      pullUpdateDigits: { ...validImagegw(), PullUpdateTimeout: '300' },
      bareLocationList: { ...validImagegw(), Locations: [first, second] },
      singleLocationObject: { ...validImagegw(), Locations: { LocationInfo: first } },
      urlAbsent: { ...validImagegw(), Locations: { LocationInfo: [{ ...first, URL: undefined }, second] } },
      urlNull: { ...validImagegw(), Locations: { LocationInfo: [{ ...first, URL: null }, second] } },
    };
    for (const policy of policies) {
      for (const [name, imagegw] of Object.entries(lenient)) {
        const body = JSON.parse(JSON.stringify({ RequestId: 'R', Imagegw: imagegw }));
        expect(judge(body, policy), `${name} under ${policy.source}`).toEqual({
          status: 'compliant',
          findings: [],
        });
      }
    }
    // An empty location list (LocationInfo absent or null) is read as no locations: compliant where
    // no rule needs one (minimal policy), a registry.default-undefined finding where one does.
    const minimal = parsePolicy(MINIMAL_POLICY, 'minimal.yaml');
    for (const locations of [{}, { LocationInfo: null }, { LocationInfo: [] }, []]) {
      const body = { RequestId: 'R', Imagegw: { ...validImagegw(), Locations: locations } };
      expect(judge(body, minimal).status).toBe('compliant');
      expect(judge(body, baselinePolicy()).findings.map((f) => f.ruleId)).toEqual([
        'registry.default-undefined',
      ]);
    }
  });

  it('is never compliant, under any policy, with a config.invalid finding on each wrong-typed field', () => {
    const policies = [parsePolicy(MINIMAL_POLICY, 'minimal.yaml'), baselinePolicy(), examplePolicy];
    const seen = new Set<string>();
    fc.assert(
      fc.property(mutations, fc.constantFrom(...policies), (list, policy) => {
        for (const entry of list) seen.add(entry.target.replace(/:\d:/, ':i:').replace(/:\d$/, ':i'));
        const body = malformedBody(list, 'R');
        const { status, findings } = judge(body, policy);
        expectNeverCompliant(status, findings, list, JSON.stringify(body));
      }),
      { numRuns: 600 },
    );
    // The generator reached every field of the documented shape.
    expect([...seen].sort()).toEqual(
      [
        'imagegw',
        ...STRING_FIELDS,
        'PullUpdateTimeout',
        'locations',
        'item:i',
        'field:i:Location',
        'field:i:RemoteType',
        'field:i:URL',
        'field:i:Authentication',
      ].sort(),
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// End to end: the same generator, a seeded sample served by the E-HPC emulator
// ---------------------------------------------------------------------------------------------------

const SAMPLE_SIZE = 40;
let emulator: EhpcEmulator;
let sample: { clusterId: string; mutations: Mutation[] }[];
let stateDir: string;

beforeAll(async () => {
  const seed = fc.readConfigureGlobal().seed ?? 20261203;
  const drawn = fc.sample(mutations, { numRuns: SAMPLE_SIZE, seed });
  sample = drawn.map((list, index) => ({
    clusterId: `ehpc-hz-Fuzz${String(index).padStart(4, '0')}`,
    mutations: list,
  }));
  const fleet: EmulatedCluster[] = [
    ...sample.map(({ clusterId, mutations: list }) => ({
      info: { Id: clusterId },
      describe: malformedBody(list, stableRequestId(clusterId)),
    })),
    { info: { Id: 'ehpc-hz-Valid0001' }, describe: { RequestId: 'V-1', Imagegw: validImagegw() } },
    { info: { Id: 'ehpc-hz-Valid0002' }, describe: { RequestId: 'V-2', Imagegw: validImagegw() } },
  ];
  emulator = await startEhpcEmulator({ regions: { 'cn-hangzhou': fleet }, credentials: [CLI_KEY, ROLE_KEY] });
  stateDir = mkdtempSync(join(tmpdir(), 'malformed-imagegw-'));
});
afterAll(async () => {
  await emulator.close();
});

function expectSampleJudged(report: Report): void {
  expect(report.clusters).toHaveLength(SAMPLE_SIZE + 2);
  for (const { clusterId, mutations: list } of sample) {
    const cluster = report.clusters.find((entry) => entry.clusterId === clusterId);
    const findings = report.findings.filter((finding) => finding.clusterId === clusterId && !finding.waived);
    expectNeverCompliant(
      cluster?.status ?? 'missing',
      findings,
      list,
      `${clusterId} ${JSON.stringify(list)}`,
    );
  }
  for (const clusterId of ['ehpc-hz-Valid0001', 'ehpc-hz-Valid0002']) {
    expect(report.clusters.find((entry) => entry.clusterId === clusterId)?.status).toBe('compliant');
  }
}

describe('wrong-typed Imagegw fields, end to end', () => {
  it('imagegw-audit run (minimal policy) never reports a malformed configuration compliant', async () => {
    const policyFile = join(stateDir, 'minimal.yaml');
    writeFileSync(policyFile, MINIMAL_POLICY);
    const result = await runCli(
      [
        'run',
        '--regions',
        'cn-hangzhou',
        '--endpoint',
        emulator.endpoints['cn-hangzhou'] ?? '',
        '--policy',
        policyFile,
        '--format',
        'json',
        '--qps',
        '100',
        '--concurrency',
        '8',
      ],
      {
        ALIBABA_CLOUD_ACCESS_KEY_ID: CLI_KEY.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: CLI_KEY.accessKeySecret,
      },
    );
    const report = JSON.parse(result.stdout) as Report;
    expectSampleJudged(report);
    expect(report.complete).toBe(true);
    expectCleanExit(result, 1);
  });

  it('the scheduled handler (minimal policy) never reports a malformed configuration compliant', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'malformed-handler-'));
    const handler = createHandler({
      env: {
        IMAGEGW_REGIONS: 'cn-hangzhou',
        IMAGEGW_ENDPOINT: emulator.endpoints['cn-hangzhou'] ?? '',
        IMAGEGW_POLICY: MINIMAL_POLICY,
        IMAGEGW_STATE_DIR: dir,
        IMAGEGW_QPS: '200',
      },
      readerFactory: shortTimeoutReader(2000),
    });
    const output = captureOutput();
    let result: { complete: boolean; violating: string[] };
    try {
      result = JSON.parse(await handler(timerEvent(), fcContext(ROLE_KEY)));
    } finally {
      output.restore();
    }
    const report = JSON.parse(await readFile(join(dir, 'reports', 'latest.json'), 'utf8')) as Report;
    expectSampleJudged(report);
    expect(result.complete).toBe(true);
    expect([...result.violating].sort()).toEqual(sample.map((entry) => entry.clusterId).sort());
  });
});

// ---------------------------------------------------------------------------------------------------
// Integers above 2^53 in string fields: a number is a wrong type whatever its size
// ---------------------------------------------------------------------------------------------------

/**
 * pop-core parses with json-bigint, and the client turns an integer above 2^53 into its exact
 * decimal string (shared/ehpc/schemas.ts, toPlainJson) — right for counters and PullUpdateTimeout,
 * but in a field the documented shape types as a string it turns a wrong type into a string that
 * passes config.invalid's type check.
 */
describe('an integer above 2^53 in a string-typed field, end to end (minimal policy)', () => {
  const BIG = '12345678901234567890';
  const FIELDS: { name: string; field: string; body: string }[] = [
    ...STRING_FIELDS.map((name) => ({ name, field: name, patch: { [name]: 0 } })),
    ...['Location', 'RemoteType', 'URL', 'Authentication'].map((name) => ({
      name: `location ${name}`,
      field: `Locations.LocationInfo[0].${name}`,
      patch: {
        Locations: {
          LocationInfo: [
            {
              ...(validImagegw().Locations as { LocationInfo: Record<string, unknown>[] }).LocationInfo[0],
              [name]: 0,
            },
          ],
        },
      },
    })),
  ].map(({ name, field, patch }) => ({
    name,
    field,
    // A placeholder number swapped for the big literal: JSON.stringify cannot write one.
    body: JSON.stringify({ RequestId: `BIG-${name}`, Imagegw: { ...validImagegw(), ...patch } }).replace(
      /":0([,}])/,
      `":${BIG}$1`,
    ),
  }));

  let big: EhpcEmulator;
  let report: Report;
  beforeAll(async () => {
    big = await startEhpcEmulator({
      regions: {
        'cn-hangzhou': FIELDS.map((entry, index) => ({
          info: { Id: `ehpc-hz-Big${String(index).padStart(4, '0')}` },
          describe: entry.body,
        })),
      },
      credentials: [CLI_KEY],
    });
    const policyFile = join(stateDir, 'minimal-big.yaml');
    writeFileSync(policyFile, MINIMAL_POLICY);
    const result = await runCli(
      [
        'run',
        '--regions',
        'cn-hangzhou',
        '--endpoint',
        big.endpoints['cn-hangzhou'] ?? '',
        '--policy',
        policyFile,
        '--format',
        'json',
        '--qps',
        '100',
      ],
      {
        ALIBABA_CLOUD_ACCESS_KEY_ID: CLI_KEY.accessKeyId,
        ALIBABA_CLOUD_ACCESS_KEY_SECRET: CLI_KEY.accessKeySecret,
      },
    );
    report = JSON.parse(result.stdout) as Report;
  });
  afterAll(async () => {
    await big.close();
  });

  const check = (index: number) => {
    const entry = FIELDS[index];
    const clusterId = `ehpc-hz-Big${String(index).padStart(4, '0')}`;
    expect(entry?.body).toContain(BIG);
    const cluster = report.clusters.find((c) => c.clusterId === clusterId);
    expect(cluster?.status, entry?.body).not.toBe('compliant');
  };

  // Caught today: the value, now a string, fails the field's own reading (a date, a duration, a
  // URI, a registry address).
  for (const [index, entry] of FIELDS.entries()) {
    if (entry.name === 'location RemoteType' || entry.name === 'location Authentication') continue;
    it(`${entry.name}: ${BIG} is not compliant`, () => check(index));
  }

  it(`location RemoteType: ${BIG} is not compliant`, () =>
    check(FIELDS.findIndex((entry) => entry.name === 'location RemoteType')));
  it(`location Authentication: ${BIG} is not compliant`, () =>
    check(FIELDS.findIndex((entry) => entry.name === 'location Authentication')));
});
