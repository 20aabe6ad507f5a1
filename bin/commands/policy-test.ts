import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT } from '../../shared/audit/report';
import { loadPolicyFile } from '../../shared/policy/load';
import { loadCases, runCase } from '../../shared/policy-test/cases';
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
  for (const testCase of cases) {
    const result = await runCase(testCase, policy, now);
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
  process.stdout.write(`${cases.length - failed} passed, ${failed} failed (policy ${policyFile})\n`);
  return failed > 0 ? EXIT.findings : EXIT.ok;
}
