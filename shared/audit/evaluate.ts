import { extractImagegw, normalisedGatewayObject, readGateway } from '../gateway/read';
import { parsePullUpdateTimeout } from '../policy/duration';
import type { Policy } from '../policy/policy';
import { maskSecretValue } from '../redact';
import { customRuleFindings } from '../rules/custom';
import { isRuleId, RULE_DEFAULT_SEVERITY } from '../rules/ids';
import { RULES } from '../rules/index';
import type { Rule, RuleContext, RuleFinding } from '../rules/rule';
import { fingerprint } from './fingerprint';
import { settingsFor } from './resolve-policy';
import { secretMasker } from './secret-masker';
import type { Finding, Severity } from './types';
import { applyWaivers } from './waivers';

export interface AuditSubject {
  clusterId: string;
  region: string;
}

export interface GatewayEvaluation {
  findings: Finding[];
  /** Overrides that applied to this cluster (`overrides[0]`), in order. */
  overrides: string[];
}

function runRule(
  rule: { id: string; check: Rule['check'] },
  ...args: Parameters<Rule['check']>
): RuleFinding[] {
  try {
    return rule.check(...args);
  } catch (error) {
    // A broken rule must not take the cluster (or the run) down with it, nor pass silently.
    const reason = error instanceof Error ? error.message : String(error);
    return [{ field: 'Imagegw', message: `rule ${rule.id} failed to evaluate: ${reason}` }];
  }
}

function severityOf(policy: Policy, ruleId: string): Severity {
  const chosen = policy.severity[ruleId];
  if (chosen) return chosen;
  if (isRuleId(ruleId)) return RULE_DEFAULT_SEVERITY[ruleId];
  return policy.custom.find((rule) => rule.id === ruleId)?.severity ?? 'high';
}

/**
 * Masking happens here, once, for every rule: each copy of a secret-bearing configuration value in
 * the finding's value, message or expectation becomes its masked form; a value that is itself a
 * URL is also masked as one (the last `@` ends the user info).
 */
function toFinding(
  subject: AuditSubject,
  ruleId: string,
  severity: Severity,
  found: RuleFinding,
  mask: (text: string) => string,
): Finding {
  const value = found.value === undefined ? undefined : maskSecretValue(mask(found.value));
  return {
    fingerprint: fingerprint(subject.clusterId, ruleId, found.field, found.identity ?? value ?? ''),
    clusterId: subject.clusterId,
    region: subject.region,
    ruleId,
    severity,
    field: found.field,
    ...(value === undefined ? {} : { value }),
    ...(found.expected === undefined ? {} : { expected: mask(found.expected) }),
    message: mask(found.message),
    ...(found.registry === undefined ? {} : { registry: found.registry }),
    waived: false,
  };
}

/**
 * Judges one configuration document (a whole DescribeImageGatewayConfig body or a bare `Imagegw`)
 * against the policy, with the run's clock. Pure: the same input gives the same findings on every
 * path — scheduled, on-demand, chat and CLI all come through here, waivers included.
 */
export function evaluateGateway(
  subject: AuditSubject,
  document: unknown,
  policy: Policy,
  context: RuleContext,
  rules: readonly Rule[] = RULES,
): GatewayEvaluation {
  const gateway = readGateway(extractImagegw(document));
  const mask = secretMasker(gateway);
  const { settings, overrides } = settingsFor(policy, subject);
  const findings = rules.flatMap((rule) =>
    runRule(rule, gateway, settings, context).map((found) =>
      toFinding(subject, rule.id, severityOf(policy, rule.id), found, mask),
    ),
  );
  if (gateway.imagegw && policy.custom.length > 0) {
    const pull = parsePullUpdateTimeout(gateway.imagegw.PullUpdateTimeout);
    const normalised = normalisedGatewayObject(gateway, pull.ok ? pull.value : undefined);
    for (const rule of policy.custom) {
      const custom = { id: rule.id, check: () => customRuleFindings(rule, normalised) };
      findings.push(
        ...runRule(custom, gateway, settings, context).map((found) =>
          toFinding(subject, rule.id, severityOf(policy, rule.id), found, mask),
        ),
      );
    }
  }
  return { findings: applyWaivers(findings, policy.waivers, context.now), overrides };
}
