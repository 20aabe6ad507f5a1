/**
 * Secret redaction for every text that leaves the process (logs, errors, reports, chat).
 *
 * pop-core's errors embed the full signed request URL (AccessKeyId, Signature, SecurityToken), the
 * gateway's SignatureDoesNotMatch message echoes the string to sign, and configuration values may
 * carry passwords inside URLs. These patterns cover every shape observed (spec/cloud-apis.md §3).
 */

/** Masks the password (or the whole user info when it has no password) of every URL in `text`. */
export function maskUrlUserInfo(text: string): string {
  // A scheme starts only where no scheme character precedes it, and is at most 32 characters:
  // linear time on text like `a.a.a.…` (an unanchored scheme retried at every dot was quadratic).
  return text.replace(
    /(?<![a-z0-9+.-])([a-z][a-z0-9+.-]{0,31}:\/\/)([^@/\s?#]*)@/gi,
    (_match, scheme: string, info: string) => {
      const colon = info.indexOf(':');
      return `${scheme}${colon >= 0 ? `${info.slice(0, colon)}:***` : '***'}@`;
    },
  );
}

/**
 * Masks the credentials of one configuration value that is (or tries to be) a URL or URI: the user
 * info is everything between the scheme (if any) and the LAST `@`, since a password may itself hold
 * `@`, `#`, `/`, `:` or white space. Over-masking a malformed value is the safe failure.
 */
export function maskSecretValue(value: string): string {
  const at = value.lastIndexOf('@');
  if (at === -1) return value;
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(value)?.[0] ?? '';
  const userInfo = value.slice(scheme.length, at);
  const colon = userInfo.indexOf(':');
  return `${scheme}${colon >= 0 ? `${userInfo.slice(0, colon)}:***` : '***'}${value.slice(at)}`;
}

/**
 * A registry URL (or what tries to be one) with every credential masked: the user info, and the
 * value of every query parameter (`?access_token=***`), since a registry has no other use for one.
 */
export function maskUrlValue(value: string): string {
  // A key holds no `?`: a run of `?` is then scanned once, not once per `?`.
  return maskSecretValue(value).replace(/([?&][^=&#?\s]*=)[^&#\s]*/g, '$1***');
}

/**
 * In one whitespace-free token, a URL's query (from the first `?` after `http(s)://`, unless a `#`
 * comes first) becomes `?[redacted]`. A scan instead of a regex: a token of many `http://`s without
 * a `?` made the pattern quadratic.
 */
function redactUrlQuery(token: string): string {
  let from = 0;
  for (;;) {
    const http = token.indexOf('http', from);
    if (http === -1) return token;
    const scheme = /^https?:\/\//.exec(token.slice(http, http + 8));
    if (!scheme) {
      from = http + 4;
      continue;
    }
    let index = http + scheme[0].length;
    while (index < token.length && token[index] !== '?' && token[index] !== '#') index += 1;
    if (token[index] === '?') return `${token.slice(0, index)}?[redacted]`;
    if (index >= token.length) return token;
    from = index + 1;
  }
}

/** Removes signed query strings, echoed strings to sign, key ids and URL passwords. */
export function redactSecrets(text: string): string {
  return maskUrlUserInfo(
    text
      .replace(/\S+/g, redactUrlQuery)
      .replace(/(\s\/)\?\S*/g, '$1?[redacted]')
      .replace(/(string to sign is:)\s*\S*/gi, '$1 [redacted]')
      .replace(
        /(AccessKeyId|SecurityToken|Signature|access_token|sign)(=|%3D|%253D)[^&\s]*/g,
        '$1$2[redacted]',
      ),
  ).replace(/\b(?:STS\.|LTAI)[A-Za-z0-9]{8,}/g, '[redacted-key-id]');
}

/**
 * Replaces the given secret values wherever they appear, whatever the pattern-based redaction
 * recognises: a service may quote a token bare in its message. Values shorter than 4 characters
 * are left alone (they would blank out ordinary text).
 */
export function scrubKnownValues(text: string, values: readonly (string | undefined)[]): string {
  let clean = text;
  for (const value of [...values].sort((a, b) => (b?.length ?? 0) - (a?.length ?? 0))) {
    if (value !== undefined && value.length >= 4) clean = clean.split(value).join('[redacted]');
  }
  return clean;
}
