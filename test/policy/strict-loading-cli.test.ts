import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, runCli } from '../helpers/cli';

const DOC_EXAMPLE = join(REPO, 'test', 'fixtures', 'describe-image-gateway-config.example.json');

/** Each strict-loading mistake of the policy spec, with the line it is on and what the message must say. */
const MISTAKES: [string, string, number, RegExp][] = [
  [
    'an unknown key',
    'version: 1\ntransport:\n  requireHttp: true\n',
    3,
    /transport\.requireHttp: unknown key/,
  ],
  [
    'an unknown rule id in severity',
    'version: 1\nseverity:\n  registry.not-alowed: high\n',
    3,
    /unknown rule id "registry\.not-alowed"/,
  ],
  [
    'an unknown rule id in a waiver',
    'version: 1\nwaivers:\n  - rule: transport.insecur\n    reason: "a reason long enough"\n    expires: 2027-01-01\n',
    3,
    /waivers\[0\]\.rule: unknown rule id "transport\.insecur"/,
  ],
  ['a duplicate YAML key', 'version: 1\ntransport: {}\ntransport: {}\n', 3, /duplicate key/],
  [
    'a unit-less duration',
    'version: 1\ntimeouts:\n  pullUpdate: { max: 3600 }\n',
    3,
    /timeouts\.pullUpdate\.max: 3600 has no unit/,
  ],
  [
    'min above max',
    'version: 1\ntimeouts:\n  pullUpdate:\n    min: 2h\n    max: 1h\n',
    4,
    /min \(2h\) is greater than max \(1h\)/,
  ],
  [
    'an allow entry with a scheme',
    'version: 1\nregistries:\n  allow:\n    - https://docker.io\n',
    4,
    /registries\.allow\[0\]: .*scheme/,
  ],
  [
    'an allow entry with a path',
    'version: 1\nregistries:\n  allow:\n    - docker.io/library\n',
    4,
    /registries\.allow\[0\]: .*path/,
  ],
  [
    'an allow entry with user info',
    'version: 1\nregistries:\n  allow:\n    - "robot:pw@docker.io"\n',
    4,
    /registries\.allow\[0\]: .*user info/,
  ],
];

describe('strict policy loading, through the CLI', () => {
  it.each(MISTAKES)(
    '%s: exit 2 and one line with file, line and column',
    async (_name, text, line, message) => {
      const dir = mkdtempSync(join(tmpdir(), 'strict-'));
      const policy = join(dir, 'policy.yaml');
      writeFileSync(policy, text);
      const result = await runCli(['check', '--policy', policy, DOC_EXAMPLE]);
      expect(result.code).toBe(2);
      expect(result.stdout).toBe('');
      const lines = result.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(`^imagegw-audit: ${policy.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:${line}:\\d+: `),
      );
      expect(lines[0]).toMatch(message);
      // The password of an allow entry never reaches the terminal.
      expect(result.stderr).not.toContain(':pw@');
    },
  );
});
