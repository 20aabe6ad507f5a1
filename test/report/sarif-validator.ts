/**
 * A structural check of the SARIF 2.1.0 properties that consumers (GitHub code scanning, the SARIF
 * viewers) depend on; written from the OASIS specification, not from our formatter. Returns every
 * problem found, as `path: problem`, so a test can show all of them at once.
 */

export const SARIF_LEVELS = ['none', 'note', 'warning', 'error'] as const;
export const SUPPRESSION_KINDS = ['inSource', 'external'] as const;
export const SUPPRESSION_STATUSES = ['accepted', 'underReview', 'rejected'] as const;

type Obj = Record<string, unknown>;

const isObject = (value: unknown): value is Obj =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

export function validateSarif(log: unknown): string[] {
  const problems: string[] = [];
  const problem = (path: string, text: string): void => {
    problems.push(`${path}: ${text}`);
  };

  const message = (value: unknown, path: string) => {
    if (!isObject(value)) {
      problem(path, 'must be a message object');
      return;
    }
    if (typeof value.text !== 'string') problem(`${path}.text`, 'must be a string');
  };
  const level = (value: unknown, path: string) => {
    if (value !== undefined && !(SARIF_LEVELS as readonly unknown[]).includes(value)) {
      problem(path, `must be one of ${SARIF_LEVELS.join(', ')}, not ${JSON.stringify(value)}`);
    }
  };
  const arrayAt = (value: unknown, path: string): unknown[] => {
    if (value === undefined) return [];
    if (!Array.isArray(value)) {
      problem(path, 'must be an array');
      return [];
    }
    return value;
  };

  if (!isObject(log)) return ['$: must be an object'];
  if (log.version !== '2.1.0') problem('$.version', 'must be "2.1.0"');
  if (log.$schema !== undefined && typeof log.$schema !== 'string')
    problem('$.$schema', 'must be a URI string');
  if (!Array.isArray(log.runs)) return [...problems, '$.runs: must be an array'];

  log.runs.forEach((run: unknown, r) => {
    const at = `$.runs[${r}]`;
    if (!isObject(run)) {
      problem(at, 'must be an object');
      return;
    }
    const driver = isObject(run.tool) ? run.tool.driver : undefined;
    if (!isObject(driver)) {
      problem(`${at}.tool.driver`, 'is required');
      return;
    }
    if (typeof driver.name !== 'string' || driver.name === '')
      problem(`${at}.tool.driver.name`, 'is required');
    const rules = arrayAt(driver.rules, `${at}.tool.driver.rules`);
    const ids = new Set<string>();
    rules.forEach((rule, i) => {
      const ruleAt = `${at}.tool.driver.rules[${i}]`;
      if (!isObject(rule) || typeof rule.id !== 'string') {
        problem(`${ruleAt}.id`, 'is required');
        return;
      }
      if (ids.has(rule.id)) problem(`${ruleAt}.id`, `duplicates ${rule.id}`);
      ids.add(rule.id);
      if (rule.shortDescription !== undefined) message(rule.shortDescription, `${ruleAt}.shortDescription`);
      if (rule.defaultConfiguration !== undefined) {
        if (!isObject(rule.defaultConfiguration))
          problem(`${ruleAt}.defaultConfiguration`, 'must be an object');
        else level(rule.defaultConfiguration.level, `${ruleAt}.defaultConfiguration.level`);
      }
    });

    arrayAt(run.results, `${at}.results`).forEach((result, i) => {
      const resultAt = `${at}.results[${i}]`;
      if (!isObject(result)) {
        problem(resultAt, 'must be an object');
        return;
      }
      message(result.message, `${resultAt}.message`);
      level(result.level, `${resultAt}.level`);
      if (result.ruleId === undefined && result.ruleIndex === undefined) {
        problem(resultAt, 'names no rule (ruleId or ruleIndex)');
      }
      if (result.ruleId !== undefined && typeof result.ruleId !== 'string')
        problem(`${resultAt}.ruleId`, 'must be a string');
      if (result.ruleIndex !== undefined) {
        const index = result.ruleIndex;
        if (typeof index !== 'number' || !Number.isInteger(index) || index < -1) {
          problem(`${resultAt}.ruleIndex`, 'must be an integer >= -1');
        } else if (index >= 0) {
          const rule = rules[index];
          if (!isObject(rule)) problem(`${resultAt}.ruleIndex`, `${index} is outside tool.driver.rules`);
          else if (result.ruleId !== undefined && rule.id !== result.ruleId) {
            problem(
              `${resultAt}.ruleIndex`,
              `points at ${String(rule.id)}, but ruleId is ${String(result.ruleId)}`,
            );
          }
        }
      }
      arrayAt(result.locations, `${resultAt}.locations`).forEach((location, l) => {
        if (!isObject(location)) {
          problem(`${resultAt}.locations[${l}]`, 'must be an object');
          return;
        }
        arrayAt(location.logicalLocations, `${resultAt}.locations[${l}].logicalLocations`).forEach(
          (logical, g) => {
            const logicalAt = `${resultAt}.locations[${l}].logicalLocations[${g}]`;
            if (!isObject(logical)) {
              problem(logicalAt, 'must be an object');
              return;
            }
            for (const key of ['name', 'fullyQualifiedName', 'kind'] as const) {
              if (logical[key] !== undefined && typeof logical[key] !== 'string')
                problem(`${logicalAt}.${key}`, 'must be a string');
            }
          },
        );
      });
      if (result.partialFingerprints !== undefined) {
        if (!isObject(result.partialFingerprints))
          problem(`${resultAt}.partialFingerprints`, 'must be an object');
        else {
          for (const [key, value] of Object.entries(result.partialFingerprints)) {
            if (typeof value !== 'string')
              problem(`${resultAt}.partialFingerprints.${key}`, 'must be a string');
          }
        }
      }
      arrayAt(result.suppressions, `${resultAt}.suppressions`).forEach((suppression, s) => {
        const suppressionAt = `${resultAt}.suppressions[${s}]`;
        if (!isObject(suppression)) {
          problem(suppressionAt, 'must be an object');
          return;
        }
        if (!(SUPPRESSION_KINDS as readonly unknown[]).includes(suppression.kind)) {
          problem(`${suppressionAt}.kind`, `must be one of ${SUPPRESSION_KINDS.join(', ')}`);
        }
        if (
          suppression.status !== undefined &&
          !(SUPPRESSION_STATUSES as readonly unknown[]).includes(suppression.status)
        ) {
          problem(`${suppressionAt}.status`, `must be one of ${SUPPRESSION_STATUSES.join(', ')}`);
        }
        if (suppression.justification !== undefined && typeof suppression.justification !== 'string') {
          problem(`${suppressionAt}.justification`, 'must be a string');
        }
      });
    });

    arrayAt(run.invocations, `${at}.invocations`).forEach((invocation, i) => {
      const invocationAt = `${at}.invocations[${i}]`;
      if (!isObject(invocation)) {
        problem(invocationAt, 'must be an object');
        return;
      }
      if (typeof invocation.executionSuccessful !== 'boolean') {
        problem(`${invocationAt}.executionSuccessful`, 'is required and must be a boolean');
      }
      for (const key of ['toolExecutionNotifications', 'toolConfigurationNotifications'] as const) {
        arrayAt(invocation[key], `${invocationAt}.${key}`).forEach((notification, n) => {
          const notificationAt = `${invocationAt}.${key}[${n}]`;
          if (!isObject(notification)) {
            problem(notificationAt, 'must be an object');
            return;
          }
          message(notification.message, `${notificationAt}.message`);
          level(notification.level, `${notificationAt}.level`);
        });
      }
    });
  });
  return problems;
}
