/**
 * Durations (spec/policy.md, "Durations"): policy durations such as `1d12h`, and the two config
 * values that hold a duration, `PullUpdateTimeout` and `ImageExpirationTimeout`. Every result is
 * whole seconds.
 *
 * Policy durations are strict: one or more `<digits><unit>` pairs written together, units `s`,
 * `m`, `h`, `d` in lower case (a day is exactly 24 h). Pairs may come in any order and repeat
 * (`30m1h` = 90m); their values add up. Not allowed: white space anywhere (`1h 30m`, ` 1h`),
 * fractions (`1.5h`; write `1h30m`), signs (`+1h`, `-1h`), upper-case or other units (`1H`, `1w`,
 * `500ms`), a trailing number without a unit (`1h30`), and a bare number (`600`, `"600"`), which
 * is rejected with a message that asks for a unit.
 */
import { fail, ok, type Parsed } from './result';

const UNIT_SECONDS = { d: 86_400, h: 3_600, m: 60, s: 1 } as const;
type Unit = keyof typeof UNIT_SECONDS;

const EXAMPLE = 'write number-unit pairs such as 45s, 30m, 12h, 90d or 1d12h';

export function parsePolicyDuration(value: unknown): Parsed<number> {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) return fail(noUnit(String(value), value));
    if (value < 0) return fail(`${value} is negative; a duration is 0s or more`);
    return fail(`${value} is not a duration; ${EXAMPLE}`);
  }
  if (typeof value !== 'string') return fail(`is not a duration; ${EXAMPLE}`);
  const shown = quote(value);
  if (value === '') return fail(`is empty; ${EXAMPLE}`);
  if (/\s/.test(value)) return fail(`${shown} contains white space; write the pairs together, as in 1d12h`);
  if (value.startsWith('-')) return fail(`${shown} is negative; a duration is 0s or more`);
  if (/^[0-9]+$/.test(value)) return fail(noUnit(shown, Number(value)));

  let total = 0;
  const pair = /([0-9]+)([A-Za-z]*)/y;
  while (pair.lastIndex < value.length) {
    const match = pair.exec(value);
    const digits = match?.[1];
    const unit = match?.[2];
    if (match === null || digits === undefined || unit === undefined) {
      return fail(`${shown} is not a duration; ${EXAMPLE}`);
    }
    if (unit === '') {
      const next = value[pair.lastIndex];
      if (next === '.' || next === ',') {
        return fail(
          `${shown} has a fraction; use whole numbers and a smaller unit, as in 1h30m for 1.5 hours`,
        );
      }
      if (next === undefined) return fail(`${shown} ends with a number without a unit; add s, m, h or d`);
      return fail(`${shown} is not a duration; ${EXAMPLE}`);
    }
    if (!isUnit(unit)) return fail(`${shown} has an unknown unit "${unit}"; use s, m, h or d`);
    total += Number(digits) * UNIT_SECONDS[unit];
  }
  if (!Number.isSafeInteger(total)) return fail(`${shown} is too large`);
  return ok(total);
}

/**
 * The readable echo used in reports: `<seconds>s (<compact>)`, or just `<seconds>s` when that is
 * already the compact form. `formatDuration(600)` is `600s (10m)`, `formatDuration(45)` is `45s`,
 * `formatDuration(129600)` is `129600s (1d12h)`.
 */
export function formatDuration(seconds: number): string {
  const compact = formatDurationCompact(seconds);
  const plain = `${seconds}s`;
  return compact === plain ? plain : `${plain} (${compact})`;
}

/** The shortest policy-duration spelling: `10m`, `90d`, `1d12h`, `0s`. */
export function formatDurationCompact(seconds: number): string {
  if (!Number.isSafeInteger(seconds) || seconds < 0) return `${seconds}s`;
  if (seconds === 0) return '0s';
  let rest = seconds;
  let text = '';
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    const size = UNIT_SECONDS[unit];
    const count = Math.floor(rest / size);
    if (count > 0) text += `${count}${unit}`;
    rest -= count * size;
  }
  return text;
}

/**
 * `PullUpdateTimeout`: whole seconds, as a JSON number that is a non-negative safe integer or as a
 * string of ASCII digits (`"300"`). Anything else, including `"3e2"`, `" 300"`, `3.5`, `-5` and
 * numbers past 2^53, is invalid.
 */
export function parsePullUpdateTimeout(value: unknown): Parsed<number> {
  const expected = 'give whole seconds, a non-negative integer such as 300';
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value) && value >= 0) return ok(value + 0); // + 0 turns -0 into 0
    if (value < 0) return fail(`is negative; ${expected}`);
    return fail(`is not whole seconds; ${expected}`);
  }
  if (typeof value === 'string') {
    if (!/^[0-9]+$/.test(value)) return fail(`is not a string of digits; ${expected}`);
    const seconds = Number(value);
    return Number.isSafeInteger(seconds) ? ok(seconds) : fail(`is too large; ${expected}`);
  }
  return fail(`is not a number; ${expected}`);
}

export type ThreeFieldFormat = 'D:H:M' | 'H:M:S';

export interface ImageExpiration {
  seconds: number;
  fields: 3 | 4;
  /** `D:H:M:S` for four fields; for three, the policy's `threeFieldFormat`, which a finding names. */
  assumedFormat: 'D:H:M:S' | ThreeFieldFormat;
}

const FIELDS = {
  'D:H:M:S': [
    { name: 'days', seconds: 86_400, below: Number.POSITIVE_INFINITY },
    { name: 'hours', seconds: 3_600, below: 24 },
    { name: 'minutes', seconds: 60, below: 60 },
    { name: 'seconds', seconds: 1, below: 60 },
  ],
  'D:H:M': [
    { name: 'days', seconds: 86_400, below: Number.POSITIVE_INFINITY },
    { name: 'hours', seconds: 3_600, below: 24 },
    { name: 'minutes', seconds: 60, below: 60 },
  ],
  'H:M:S': [
    { name: 'hours', seconds: 3_600, below: Number.POSITIVE_INFINITY },
    { name: 'minutes', seconds: 60, below: 60 },
    { name: 'seconds', seconds: 1, below: 60 },
  ],
} as const;

/**
 * `ImageExpirationTimeout`: four fields are always `D:H:M:S` (upstream Shifter); three fields are
 * read as `threeFieldFormat`. Each field is ASCII digits; every field but the first stays below
 * its carry limit (hours < 24, minutes and seconds < 60).
 */
export function parseImageExpiration(
  value: unknown,
  threeFieldFormat: ThreeFieldFormat,
): Parsed<ImageExpiration> {
  const expected = `write D:H:M:S such as 90:00:00:00, or three fields read as ${threeFieldFormat}`;
  if (typeof value !== 'string') return fail(`is not a string; ${expected}`);
  if (value === '') return fail(`is empty; ${expected}`);
  const parts = value.split(':');
  if (parts.length !== 3 && parts.length !== 4) {
    return fail(`has ${parts.length} ${parts.length === 1 ? 'field' : 'fields'}; ${expected}`);
  }
  const assumedFormat = parts.length === 4 ? 'D:H:M:S' : threeFieldFormat;
  let seconds = 0;
  for (const [index, field] of FIELDS[assumedFormat].entries()) {
    const text = parts[index] ?? '';
    if (!/^[0-9]+$/.test(text))
      return fail(`has a field that is not a non-negative whole number; ${expected}`);
    const count = Number(text);
    if (count >= field.below) {
      return fail(
        `has ${field.name} ${text} in ${assumedFormat}; ${field.name} must be below ${field.below}`,
      );
    }
    seconds += count * field.seconds;
  }
  if (!Number.isSafeInteger(seconds)) return fail(`is too large; ${expected}`);
  return ok({ seconds, fields: parts.length === 4 ? 4 : 3, assumedFormat });
}

function isUnit(text: string): text is Unit {
  return Object.hasOwn(UNIT_SECONDS, text);
}

function noUnit(shown: string, count: number): string {
  const compact = formatDurationCompact(count);
  const alternative = compact === `${count}s` ? '' : ` or ${compact}`;
  return `${shown} has no unit; add s, m, h or d, e.g. ${count}s${alternative}`;
}

function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}
