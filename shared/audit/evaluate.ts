import { extractImagegw, readGateway } from '../gateway/read';
import type { Policy } from '../policy/policy';
import { maskUrlUserInfo } from '../redact';
import { RULE_DEFAULT_SEVERITY } from '../rules/ids';
import { RULES } from '../rules/index';
import type { Rule, RuleFinding } from '../rules/rule';
import { fingerprint } from './fingerprint';
import type { Finding } from './types';

export interface AuditSubject {
  clusterId: string;
  region: string;
}

function runRule(rule: Rule, ...args: Parameters<Rule['check']>): RuleFinding[] {
  try {
    return rule.check(...args);
  } catch (error) {
    // A broken rule must not take the cluster (or the run) down with it, nor pass silently.
    const reason = error instanceof Error ? error.message : String(error);
    return [{ field: 'Imagegw', message: `rule ${rule.id} failed to evaluate: ${reason}` }];
  }
}

/**
 * Judges one configuration document (a whole DescribeImageGatewayConfig body or a bare `Imagegw`)
 * against the policy. Pure: the same input gives the same findings, on every path.
 */
export function evaluateGateway(
  subject: AuditSubject,
  document: unknown,
  policy: Policy,
  rules: readonly Rule[] = RULES,
): Finding[] {
  const gateway = readGateway(extractImagegw(document));
  return rules.flatMap((rule) =>
    runRule(rule, gateway, policy).map((found): Finding => {
      // Masking happens here, once, so no rule can leak a password in a URL into a report.
      const value = found.value === undefined ? undefined : maskUrlUserInfo(found.value);
      return {
        fingerprint: fingerprint(subject.clusterId, rule.id, found.field, found.identity ?? value ?? ''),
        clusterId: subject.clusterId,
        region: subject.region,
        ruleId: rule.id,
        severity: policy.severity[rule.id] ?? RULE_DEFAULT_SEVERITY[rule.id],
        field: found.field,
        ...(value === undefined ? {} : { value }),
        ...(found.expected === undefined ? {} : { expected: found.expected }),
        message: maskUrlUserInfo(found.message),
        waived: false,
      };
    }),
  );
}
