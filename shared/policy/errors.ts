import { oneLine } from '../text';

/** One problem in a policy file, located as precisely as the format allows. */
export interface PolicyIssue {
  file: string;
  /** 1-based; absent when the problem has no place (an unreadable file). */
  line?: number;
  column?: number;
  /** Dotted key path, e.g. `timeouts.pullUpdate.min` or `registries.allow[2]`. */
  key?: string;
  message: string;
}

export function formatPolicyIssue(issue: PolicyIssue): string {
  const place = [issue.file, issue.line, issue.column].filter((part) => part !== undefined).join(':');
  // Keys and messages quote the file's own text: one line each, bounded (shared/text.ts).
  return `${place}: ${issue.key ? `${oneLine(issue.key, 120)}: ` : ''}${oneLine(issue.message)}`;
}

/** A policy that cannot be applied; it carries every problem found, never half a policy. */
export class PolicyError extends Error {
  override readonly name = 'PolicyError';
  constructor(
    readonly issues: PolicyIssue[],
    options?: { cause?: unknown },
  ) {
    super(issues.map(formatPolicyIssue).join('\n'), options);
  }
}
