import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT } from '../../shared/audit/report';
import { loadPolicyFile } from '../../shared/policy/load';
import { loadCases, PolicyTestError, runCase } from '../../shared/policy-test/cases';
import { UsageError } from '../output';

/** `policy test DIR`: runs every `*.case.yaml` in DIR against the policy; exit 1 when any fails. */
export async function policyTestCommand(
  dir: string,
  options: { policy?: string; now?: Date },
): Promise<number> {
  const policyFile = options.policy ?? join(dir, 'policy.yaml');
  if (!options.policy && !existsSync(policyFile)) {
    throw new UsageError(`${dir}: no policy.yaml in the directory; give --policy FILE`);
  }
  const policy = await loadPolicyFile(policyFile);
  const cases = await loadCases(dir);
  const now = options.now ?? new Date();
  let failed = 0;
  let broken = 0;
  for (const testCase of cases) {
    let result: Awaited<ReturnType<typeof runCase>>;
    try {
      result = await runCase(testCase, policy, now);
    } catch (error) {
      // One case with a missing config is bad input; the others still run and are reported.
      if (!(error instanceof PolicyTestError)) throw error;
      broken += 1;
      process.stderr.write(`imagegw-audit: ${error.message}\n`);
      process.stdout.write(`ERROR ${testCase.name} (${testCase.file})\n`);
      continue;
    }
    if (result.passed) {
      process.stdout.write(`PASS ${result.name}\n`);
      continue;
    }
    failed += 1;
    process.stdout.write(`FAIL ${result.name} (${result.file})\n`);
    for (const missing of result.missing) process.stdout.write(`  expected, not found: ${missing}\n`);
    for (const unexpected of result.unexpected)
      process.stdout.write(`  found, not expected: ${unexpected}\n`);
  }
  const passed = cases.length - failed - broken;
  process.stdout.write(
    `${passed} passed, ${failed} failed${broken ? `, ${broken} could not run` : ''} (policy ${policyFile})\n`,
  );
  if (broken > 0) return EXIT.usage;
  return failed > 0 ? EXIT.findings : EXIT.ok;
}
