/**
 * Secret redaction for every text that leaves the process (logs, errors, reports, chat).
 *
 * pop-core's errors embed the full signed request URL (AccessKeyId, Signature, SecurityToken), the
 * gateway's SignatureDoesNotMatch message echoes the string to sign, and configuration values may
 * carry passwords inside URLs. These patterns cover every shape observed (spec/cloud-apis.md §3).
 */

/** Masks the password (or the whole user info when it has no password) of every URL in `text`. */
export function maskUrlUserInfo(text: string): string {
  return text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)([^@/\s?#]*)@/gi, (_match, scheme: string, info: string) => {
    const colon = info.indexOf(':');
    return `${scheme}${colon >= 0 ? `${info.slice(0, colon)}:***` : '***'}@`;
  });
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
  return maskSecretValue(value).replace(/([?&][^=&#\s]*=)[^&#\s]*/g, '$1***');
}

/** Removes signed query strings, echoed strings to sign, key ids and URL passwords. */
export function redactSecrets(text: string): string {
  return maskUrlUserInfo(
    text
      .replace(/(https?:\/\/[^\s?#]*)\?\S*/g, '$1?[redacted]')
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
