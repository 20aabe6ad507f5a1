import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { evaluateGateway } from '../audit/evaluate';
import { readSavedConfig, SavedConfigError } from '../audit/saved-config';
import type { Finding } from '../audit/types';
import { parseRfc3339 } from '../policy/expiry';
import type { Policy } from '../policy/policy';

/**
 * Policy tests for users (like `opa test` or `conftest verify`): each case is a saved configuration
 * and the findings the policy must produce for it — exactly those, no more, no fewer.
 */

export class PolicyTestError extends Error {
  override readonly name = 'PolicyTestError';
}

const expectedFinding = z.strictObject({
  rule: z.string().min(1),
  field: z.string().min(1),
  waived: z.boolean().optional(),
});

const caseSchema = z.strictObject({
  name: z.string().min(1).optional(),
  config: z.string().min(1),
  cluster: z.string().min(1).optional(),
  region: z.string().min(1).optional(),
  now: z
    .string()
    .refine((text) => parseRfc3339(text) !== undefined, 'an RFC 3339 time such as 2026-12-01T00:00:00Z')
    .optional(),
  expect: z.array(expectedFinding),
});

export interface PolicyTestCase {
  file: string;
  name: string;
  configFile: string;
  cluster?: string;
  region?: string;
  now?: Date;
  expect: { rule: string; field: string; waived: boolean }[];
}

export const CASE_SUFFIX = '.case.yaml';

export async function loadCase(file: string): Promise<PolicyTestCase> {
  let data: unknown;
  try {
    data = parse(await readFile(file, 'utf8'), { uniqueKeys: true });
  } catch (error) {
    throw new PolicyTestError(`${file}: ${(error as Error).message.split('\n')[0]}`);
  }
  const parsed = caseSchema.safeParse(data);
  if (!parsed.success) {
    // A misspelt key explains a "missing" one: report unknown keys first.
    const issue =
      parsed.error.issues.find((candidate) => candidate.code === 'unrecognized_keys') ??
      parsed.error.issues[0];
    const where =
      issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : issue?.path.join('.') || 'case';
    const message =
      issue?.code === 'unrecognized_keys'
        ? 'unknown key; a case has name, config, cluster, region, now, expect'
        : issue?.message;
    throw new PolicyTestError(`${file}: ${where}: ${message ?? 'invalid'}`);
  }
  const { name, config, cluster, region, now, expect } = parsed.data;
  return {
    file,
    name: name ?? basename(file, CASE_SUFFIX),
    configFile: resolve(dirname(file), config),
    ...(cluster ? { cluster } : {}),
    ...(region ? { region } : {}),
    ...(now ? { now: new Date(parseRfc3339(now) ?? Number.NaN) } : {}),
    expect: expect.map((finding) => ({
      rule: finding.rule,
      field: finding.field,
      waived: finding.waived ?? false,
    })),
  };
}

export async function loadCases(dir: string): Promise<PolicyTestCase[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith(CASE_SUFFIX)).sort();
  } catch (error) {
    throw new PolicyTestError(
      `${dir}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such directory' : 'cannot read'}`,
    );
  }
  if (names.length === 0) throw new PolicyTestError(`${dir}: no test cases (files ending in ${CASE_SUFFIX})`);
  return Promise.all(names.map((name) => loadCase(join(dir, name))));
}

export interface CaseResult {
  name: string;
  file: string;
  passed: boolean;
  /** Expected and not produced, as `rule@field`. */
  missing: string[];
  /** Produced and not expected. */
  unexpected: string[];
}

const key = (rule: string, field: string, waived: boolean) => `${rule}@${field}${waived ? ' (waived)' : ''}`;

/** Multiset difference: a finding expected twice must be produced twice. */
function difference(left: readonly string[], right: readonly string[]): string[] {
  const remaining = [...right];
  return left.filter((item) => {
    const index = remaining.indexOf(item);
    if (index === -1) return true;
    remaining.splice(index, 1);
    return false;
  });
}

export async function runCase(
  testCase: PolicyTestCase,
  policy: Policy,
  defaultNow: Date,
): Promise<CaseResult> {
  let saved: Awaited<ReturnType<typeof readSavedConfig>>;
  try {
    saved = await readSavedConfig(testCase.configFile, testCase.cluster);
  } catch (error) {
    if (error instanceof SavedConfigError)
      throw new PolicyTestError(`${testCase.file}: config: ${error.message}`);
    throw error;
  }
  const subject = { clusterId: saved.clusterId, region: testCase.region ?? saved.region ?? 'offline' };
  const { findings } = evaluateGateway(subject, saved.document, policy, { now: testCase.now ?? defaultNow });
  const produced = findings.map((finding: Finding) => key(finding.ruleId, finding.field, finding.waived));
  const expected = testCase.expect.map((finding) => key(finding.rule, finding.field, finding.waived));
  const missing = difference(expected, produced);
  const unexpected = difference(produced, expected);
  return {
    name: testCase.name,
    file: testCase.file,
    passed: missing.length === 0 && unexpected.length === 0,
    missing,
    unexpected,
  };
}
