import { createHash, timingSafeEqual } from 'node:crypto';
import { type HttpRequest, type HttpResponse, jsonResponse } from '../../shared/fc/events';

function tokenMatches(given: string, tokens: readonly string[]): boolean {
  const candidate = Buffer.from(given);
  // Compare against every token, without early exit, so timing reveals neither which nor how much.
  return tokens.reduce((matched, token) => {
    const expected = Buffer.from(token);
    const same = expected.length === candidate.length && timingSafeEqual(expected, candidate);
    return matched || same;
  }, false);
}

/**
 * The bearer check of `/audit` and `/report`: closed when no token is configured, 401 for a
 * missing or wrong one. Returns the caller's identity (a digest of the token, for rate limits and
 * logs) or the refusal.
 */
export function authorise(
  request: HttpRequest,
  tokens: readonly string[],
): { caller: string } | { refused: HttpResponse } {
  if (tokens.length === 0) {
    return {
      refused: jsonResponse(503, {
        error: 'the audit API is closed: set IMAGEGW_API_TOKENS (comma-separated bearer tokens)',
      }),
    };
  }
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  if (!match?.[1] || !tokenMatches(match[1], tokens)) {
    return {
      refused: {
        ...jsonResponse(401, { error: 'missing or wrong bearer token' }),
        headers: { 'content-type': 'application/json; charset=utf-8', 'www-authenticate': 'Bearer' },
      },
    };
  }
  return { caller: `token:${createHash('sha256').update(match[1]).digest('hex').slice(0, 16)}` };
}
