/**
 * Hostile policy files through the built CLI (`policy validate`, `check --policy`, `run --policy`):
 * exit 2, nothing on stdout, every stderr line `imagegw-audit: <file>…`, no stack trace, within a
 * bound. A handful of representative files: the generated ones run in process
 * (policy.hostile.test.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compliantGateway } from '../helpers/audit';
import { expectCleanCliFailure, runCliBounded, tempDir } from '../helpers/hostile';

const dir = tempDir('policy-cli');
const write = (name: string, content: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

const SAVED = write(
  'saved.json',
  JSON.stringify({ ClusterId: 'ehpc-hz-Saved001', Imagegw: compliantGateway() }),
);

const FILES: [string, string][] = [
  ['binary.yaml', write('binary.yaml', Buffer.from(Array.from({ length: 8192 }, (_, i) => (i * 131) % 256)))],
  ['invalid UTF-8 JSON', write('invalid-utf8.json', Buffer.from('{"version": 1, "x\xff": true}', 'latin1'))],
  [
    'a directory',
    (() => {
      const path = join(dir, 'folder.yml');
      mkdirSync(path);
      return path;
    })(),
  ],
  [
    'an alias bomb',
    write(
      'bomb.yaml',
      ['version: 1', 'a: &a [x,x,x,x,x,x,x,x,x,x]']
        .concat(
          ['b', 'c', 'd', 'e', 'f', 'g'].map(
            (name, i) => `${name}: &${name} [${Array(10).fill(`*${'abcdef'[i]}`).join(',')}]`,
          ),
        )
        .join('\n'),
    ),
  ],
  ['a __proto__ key', write('proto.json', '{"version": 1, "__proto__": {"requireHttps": false}}')],
  [
    'every field wrong',
    write(
      'wrong.yaml',
      'version: 1\nregistries: { allow: [1, "https://x"] }\ntransport: { requireHttps: "yes" }\ntimeouts: { pullUpdate: { min: 600 } }\nwaivers: [{ rule: nope, reason: short, expires: 2027-02-30 }]\ncustom: [{ id: custom.x, severity: low, description: d, schema: { pattern: "(?<=x)" } }]\n',
    ),
  ],
  [
    'a huge file wrong at its end',
    write('huge.yaml', `version: 1\n# ${'x'.repeat(3_000_000)}\ntransport: { requireHttp: true }\n`),
  ],
  ['an odd file name', write('pöl icy ☃ (1).yaml', 'version: 2\n')],
];

describe('imagegw-audit policy validate', () => {
  it('refuses every hostile file with exit 2 and one line per problem naming it', async () => {
    const results = await Promise.all(
      FILES.map(
        async ([what, file]) => [what, file, await runCliBounded(['policy', 'validate', file])] as const,
      ),
    );
    for (const [what, file, result] of results) {
      expect(result.stdout, what).toBe('');
      expectCleanCliFailure(result, file);
    }
    // Every problem of the wrong file is reported, each on its own line.
    const wrong = results.find(([what]) => what === 'every field wrong')?.[2];
    expect(wrong?.stderr.trim().split('\n').length).toBeGreaterThanOrEqual(6);
  }, 30_000);

  it('keeps stderr to its own one-line errors for a complex mapping key', async () => {
    const file = write('complex-key.yaml', 'version: 1\n? [a, b]\n: 1\n');
    expectCleanCliFailure(await runCliBounded(['policy', 'validate', file]), file);
  });

  it('refuses a policy echoing a 200 kB value within 4 s', async () => {
    const file = write(
      'redos.yaml',
      `version: 1\nwaivers:\n  - { rule: registry.invalid, reason: accepted by the platform team, expires: "${'a.'.repeat(100_000)}" }\n`,
    );
    expectCleanCliFailure(await runCliBounded(['policy', 'validate', file], { timeoutMs: 4_000 }), file);
  }, 15_000);
});

describe('imagegw-audit check --policy and run --policy', () => {
  it('refuse a hostile policy before reading any configuration, with exit 2 and no stack', async () => {
    const picked = FILES.filter(([what]) =>
      ['binary.yaml', 'a __proto__ key', 'every field wrong', 'a directory'].includes(what),
    );
    const runs = picked.flatMap(([what, file]) => [
      [what, file, ['check', '--policy', file, '--format', 'json', SAVED]] as const,
      [
        what,
        file,
        // An endpoint nothing listens on: the policy must be refused before any call is made.
        [
          'run',
          '--policy',
          file,
          '--regions',
          'cn-hangzhou',
          '--endpoint',
          'http://127.0.0.1:9',
          '--format',
          'json',
        ],
      ] as const,
    ]);
    const results = await Promise.all(
      runs.map(async ([what, file, args]) => [what, file, args[0], await runCliBounded([...args])] as const),
    );
    for (const [what, file, command, result] of results) {
      expect(result.stdout, `${command}: ${what}`).toBe('');
      expectCleanCliFailure(result, file);
    }
  }, 30_000);
});
