/**
 * The outcome of reading one untrusted value. Parsers return this instead of throwing, so a bad
 * config value becomes a finding (`config.invalid`, `registry.invalid`) and a bad policy value a
 * policy error, never a crashed run.
 *
 * `reason` is a short sentence fragment that follows the value it describes, e.g.
 * `Location "https://docker.io" ${reason}` → `… has a scheme; give a bare host or host:port`.
 * A reason never repeats user info or other parts of the value that could be secret.
 */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason };
}
