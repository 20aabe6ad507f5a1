/**
 * Hostile saved configurations for `check`: in process (readSavedConfig, then the same
 * evaluateGateway every path uses) for generated files, and the built CLI for a 200-file run and
 * the sizes only a real process shows. A file is audited or refused with one line naming it;
 * never a crash of the run, never a hang.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateGateway } from '../../shared/audit/evaluate';
import { clusterStatus } from '../../shared/audit/report';
import { readSavedConfig, SavedConfigError } from '../../shared/audit/saved-config';
import type { Report } from '../../shared/audit/types';
import { parsePolicy } from '../../shared/policy/load';
import { compliantGateway, STRICT_POLICY, TEST_NOW } from '../helpers/audit';
import { expectOneLine, runCliBounded, STACK_FRAME, settle, settleSync, tempDir } from '../helpers/hostile';

const policy = parsePolicy(STRICT_POLICY, 'strict.yaml');
const dir = tempDir('saved');
let counter = 0;

function write(content: string | Buffer, name?: string): string {
  counter += 1;
  const path = join(dir, name ?? `file-${counter}.json`);
  writeFileSync(path, content);
  return path;
}

/** `check`'s handling of one file: audited (findings returned) or refused with a one-line SavedConfigError. */
async function checkFile(path: string): Promise<{ refused: string } | { status: 'compliant' | 'violating' }> {
  const read = await settle(() => readSavedConfig(path), 10_000);
  if (!read.ok) {
    expect(read.error, String(read.error)).toBeInstanceOf(SavedConfigError);
    const message = (read.error as Error).message;
    expectOneLine(message);
    expect(message.startsWith(`${path}: `), message).toBe(true);
    return { refused: message };
  }
  const evaluation = settleSync(
    () =>
      evaluateGateway({ clusterId: read.value.clusterId, region: 'offline' }, read.value.document, policy, {
        now: TEST_NOW,
      }),
    10_000,
  );
  expect(evaluation.ok, String(!evaluation.ok && evaluation.error)).toBe(true);
  if (!evaluation.ok) throw evaluation.error;
  for (const finding of evaluation.value.findings) {
    expect(typeof finding.ruleId).toBe('string');
    expect(typeof finding.message).toBe('string');
  }
  return { status: clusterStatus(evaluation.value.findings) };
}

const anyJson = fc.jsonValue({ maxDepth: 4 });
/** An Imagegw object with any field replaced by any JSON value, and odd extra keys. */
const oddGateway = fc
  .tuple(
    fc.dictionary(
      fc.constantFrom(
        'UpdateDateTime',
        'ImageExpirationTimeout',
        'MongoDBURI',
        'DefaultImageLocation',
        'PullUpdateTimeout',
        'Locations',
        '__proto__',
        'constructor',
        'Imagegw',
        'toString',
      ),
      anyJson,
      { maxKeys: 4 },
    ),
    fc.boolean(),
  )
  .map(([fields, keep]) => (keep ? { ...compliantGateway(), ...fields } : fields));

describe('saved configurations in process', () => {
  it('audits or refuses any JSON document, with Imagegw anywhere or nowhere', async () => {
    const document = fc.oneof(
      anyJson,
      oddGateway,
      oddGateway.map((imagegw) => ({ RequestId: 'r', Imagegw: imagegw })),
      fc
        .tuple(fc.constantFrom('ClusterId', 'RegionId', 'imagegw', 'Imagegw', 'Data'), anyJson, oddGateway)
        .map(([key, value, imagegw]) => ({ [key]: value, Data: { Imagegw: imagegw } })),
      oddGateway.map((imagegw) => [{ Imagegw: imagegw }]),
      oddGateway.map((imagegw) => ({ Imagegw: { Imagegw: imagegw } })),
    );
    await fc.assert(
      fc.asyncProperty(document, async (value) => {
        await checkFile(write(JSON.stringify(value)));
      }),
      { numRuns: 200 },
    );
  });

  it('never calls a document without an Imagegw object compliant', async () => {
    const notGateway = fc.oneof(
      fc
        .jsonValue({ maxDepth: 2 })
        .filter((value) => value === null || typeof value !== 'object' || Array.isArray(value)),
      fc.constantFrom(
        {},
        { Imagegw: null },
        { Imagegw: [] },
        { Imagegw: 'x' },
        { Imagegw: {} },
        { imagegw: compliantGateway() },
      ),
      fc.constant({ Data: { Imagegw: compliantGateway() } }),
    );
    await fc.assert(
      fc.asyncProperty(notGateway, async (value) => {
        const outcome = await checkFile(write(JSON.stringify(value)));
        if ('status' in outcome) expect(outcome.status).toBe('violating');
      }),
      { numRuns: 60 },
    );
  });

  it('refuses random bytes, invalid UTF-8 and binary data in one line, quoting none of it', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 1, maxLength: 2_000 }), async (bytes) => {
        const outcome = await checkFile(write(Buffer.from(bytes)));
        if ('refused' in outcome) expect(outcome.refused).toMatch(/: (not JSON|expected a JSON object)/);
      }),
      { numRuns: 150 },
    );
    const secret = write('{"Imagegw": {"MongoDBURI": "mongodb://admin:Hunter2Pw@db"\n  oops }');
    const refused = await checkFile(secret);
    expect(refused).toEqual({ refused: expect.stringMatching(/: not JSON( \(at character \d+\))?$/) });
    expect(JSON.stringify(refused)).not.toContain('Hunter2Pw');
  });

  it.each<[string, () => string, RegExp]>([
    [
      'a directory',
      () => {
        const path = join(dir, 'folder.json');
        mkdirSync(path);
        return path;
      },
      /cannot read \(EISDIR\)/,
    ],
    ['a missing file', () => join(dir, 'absent.json'), /no such file/],
    [
      'a dangling symlink',
      () => {
        const path = join(dir, 'dangling.json');
        symlinkSync(join(dir, 'nowhere.json'), path);
        return path;
      },
      /no such file/,
    ],
    [
      'a symlink loop',
      () => {
        const path = join(dir, 'loop.json');
        symlinkSync(path, path);
        return path;
      },
      /cannot read \(ELOOP\)/,
    ],
    ['an empty file', () => write(''), /not JSON/],
    ['a BOM only', () => write('\uFEFF'), /not JSON/],
    [
      'UTF-16 JSON',
      () => write(Buffer.from(`\uFEFF${JSON.stringify({ Imagegw: compliantGateway() })}`, 'utf16le')),
      /not JSON/,
    ],
    ['a JSON string', () => write('"Imagegw"'), /expected a JSON object, not string/],
    ['a JSON array', () => write('[{"Imagegw": {}}]'), /expected a JSON object, not an array/],
    ['null', () => write('null'), /expected a JSON object, not object|expected a JSON object/],
    ['a huge number', () => write('1e999'), /expected a JSON object, not number/],
  ])('refuses %s with one line naming the file', async (_what, make, message) => {
    const outcome = await checkFile(make());
    expect(outcome).toEqual({ refused: expect.stringMatching(message) });
  });

  it('audits deep nesting, enormous arrays and long strings within the bound', async () => {
    const deep = (depth: number) =>
      `{"Imagegw": {"Locations": ${'['.repeat(depth)}${']'.repeat(depth)}, "MongoDBURI": ${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}}`;
    const cases: [string, 'compliant' | 'violating'][] = [
      [deep(10_000), 'violating'],
      [
        JSON.stringify({
          Imagegw: compliantGateway({ Locations: { LocationInfo: Array(20_000).fill({}) } }),
        }),
        'violating',
      ],
      [JSON.stringify({ Imagegw: compliantGateway({ Locations: Array(50_000).fill(null) }) }), 'violating'],
      [
        JSON.stringify({ Imagegw: compliantGateway({ DefaultImageLocation: 'x'.repeat(3_000_000) }) }),
        'violating',
      ],
      // Padding beside the Imagegw object is not part of the configuration.
      [JSON.stringify({ Imagegw: compliantGateway(), Padding: Array(200_000).fill('padding') }), 'compliant'],
    ];
    for (const [text, status] of cases) {
      expect(await checkFile(write(text))).toEqual({ status });
    }
  }, 30_000);
});

describe('imagegw-audit check on hostile files', () => {
  it('audits 200 files, refusing each broken one on its own line, and exits 2', async () => {
    const files: string[] = [];
    const broken: string[] = [];
    for (let index = 0; index < 200; index += 1) {
      if (index % 10 === 3) {
        const path = write(
          index % 20 === 3 ? '<html>502</html>' : Buffer.from([0xff, 0x00, index]),
          `many-${index}.json`,
        );
        broken.push(path);
        files.push(path);
      } else {
        files.push(
          write(
            JSON.stringify({
              ClusterId: `ehpc-hz-Many${String(index).padStart(4, '0')}`,
              Imagegw: compliantGateway(),
            }),
            `many-${index}.json`,
          ),
        );
      }
    }
    const result = await runCliBounded(['check', '--format', 'json', ...files], { timeoutMs: 20_000 });
    expect(result.timedOut).toBe(false);
    expect(result.code).toBe(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual(
      broken.map((path) => expect.stringMatching(new RegExp(`^imagegw-audit: ${path}: not JSON`))),
    );
    const report = JSON.parse(result.stdout) as Report;
    expect(report.summary.clusters).toBe(200 - broken.length);
    expect(report.complete).toBe(false);
  }, 30_000);

  it('refuses a second file for the same cluster and a directory, still auditing the rest', async () => {
    const one = write(
      JSON.stringify({ ClusterId: 'ehpc-hz-Twin0001', Imagegw: compliantGateway() }),
      'twin-a.json',
    );
    const two = write(JSON.stringify({ ClusterId: 'ehpc-hz-Twin0001', Imagegw: {} }), 'twin-b.json');
    const folder = join(dir, 'check-folder.json');
    mkdirSync(folder);
    const result = await runCliBounded(['check', '--format', 'json', one, two, folder]);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toMatch(STACK_FRAME);
    expect(result.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(
        new RegExp(`^imagegw-audit: ${two}: cluster ehpc-hz-Twin0001 is already given by ${one}`),
      ),
      `imagegw-audit: ${folder}: cannot read (EISDIR)`,
    ]);
  });

  it('audits a file of 70,000 locations and reports it violating (exit 1)', async () => {
    const file = write(
      JSON.stringify({ Imagegw: { Locations: Array(70_000).fill({}) } }),
      'many-locations.json',
    );
    const result = await runCliBounded(['check', '--format', 'json', file], { timeoutMs: 20_000 });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(1);
    expect((JSON.parse(result.stdout) as Report).summary.violating).toBe(1);
  }, 30_000);

  it('checks a file with a 200 kB "a.a.a…" value within 4 s', async () => {
    const file = write(
      JSON.stringify({ Imagegw: compliantGateway({ DefaultImageLocation: `${'a.'.repeat(100_000)}!` }) }),
      'redos.json',
    );
    const result = await runCliBounded(['check', '--format', 'json', file], { timeoutMs: 4_000 });
    expect(result.timedOut).toBe(false);
    expect(result.code).toBe(1);
  }, 15_000);
});
