/**
 * What the POP gateway checks before an action runs (spec/cloud-apis.md §2.3), in the same order:
 * presence of the common parameters, signature method/version, key lookup, STS token, signature,
 * timestamp window, nonce reuse. Version and Action are the dispatcher's business.
 */
import { timingSafeEqual } from 'node:crypto';
import { rpcSignatureMatches, rpcStringToSign } from './signature';
import type { EmulatorCredential } from './types';

export interface AuthFailure {
  code: string;
  message?: string;
}

const REQUIRED = ['AccessKeyId', 'Signature', 'SignatureNonce', 'Timestamp'] as const;
/** pop-core's form; fractional seconds are tolerated because other SDKs send them. */
const TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z$/;

export const DEFAULT_CREDENTIALS: readonly EmulatorCredential[] = [
  { accessKeyId: 'emulator-key-id', accessKeySecret: 'emulator-key-secret' },
];

export interface AuthenticatorOptions {
  credentials: readonly EmulatorCredential[];
  clock: () => number;
  windowMs: number;
}

export class RequestAuthenticator {
  private readonly keys = new Map<string, EmulatorCredential>();
  /** `(AccessKeyId, SignatureNonce)` → when first seen; a Map keeps insertion (time) order for pruning. */
  private readonly nonces = new Map<string, number>();

  constructor(private readonly options: AuthenticatorOptions) {
    for (const credential of options.credentials) this.keys.set(credential.accessKeyId, credential);
  }

  check(method: string, params: Readonly<Record<string, string>>): AuthFailure | undefined {
    for (const name of REQUIRED) {
      if (!params[name]) return { code: `Missing${name}` };
    }
    if (params.SignatureMethod !== 'HMAC-SHA1' || params.SignatureVersion !== '1.0') {
      return {
        code: 'IncompleteSignature',
        message: this.echo('The request signature does not conform to Aliyun standards.', method, params),
      };
    }
    const credential = this.keys.get(params.AccessKeyId ?? '');
    if (!credential) return { code: 'InvalidAccessKeyId.NotFound' };

    const stsFailure = this.checkSecurityToken(credential, params.SecurityToken);
    if (stsFailure) return stsFailure;

    if (!rpcSignatureMatches(method, params, credential.accessKeySecret)) {
      return {
        code: 'SignatureDoesNotMatch',
        message: this.echo('Specified signature is not matched with our calculation.', method, params),
      };
    }

    const timestamp = params.Timestamp ?? '';
    if (!TIMESTAMP.test(timestamp)) return { code: 'InvalidTimeStamp.Format' };
    const now = this.options.clock();
    if (Math.abs(now - Date.parse(timestamp)) > this.options.windowMs)
      return { code: 'InvalidTimeStamp.Expired' };

    // Only now: a request that failed the checks above must not burn its nonce.
    return this.rememberNonce(`${params.AccessKeyId}\u0000${params.SignatureNonce}`, now);
  }

  /** The real gateway echoes its own string to sign; clients must redact it (it holds the key id and token). */
  private echo(text: string, method: string, params: Readonly<Record<string, string>>): string {
    return `${text} server string to sign is:${rpcStringToSign(method, params)}`;
  }

  private checkSecurityToken(
    credential: EmulatorCredential,
    given: string | undefined,
  ): AuthFailure | undefined {
    if (credential.securityToken === undefined) return undefined;
    if (!given) return { code: 'MissingSecurityToken' };
    const a = Buffer.from(given, 'utf8');
    const b = Buffer.from(credential.securityToken, 'utf8');
    if (a.length !== b.length || !timingSafeEqual(a, b)) {
      return { code: 'InvalidSecurityToken.MismatchWithAccessKey' };
    }
    if (credential.expiresAt !== undefined && this.options.clock() >= credential.expiresAt) {
      return { code: 'InvalidSecurityToken.Expired' };
    }
    return undefined;
  }

  private rememberNonce(key: string, now: number): AuthFailure | undefined {
    // A timestamp is accepted up to one window either side of now, so a replay stays possible for
    // two windows; remember nonces that long.
    const horizon = now - 2 * this.options.windowMs;
    for (const [oldKey, seenAt] of this.nonces) {
      if (seenAt >= horizon) break;
      this.nonces.delete(oldKey);
    }
    if (this.nonces.has(key)) return { code: 'SignatureNonceUsed' };
    this.nonces.set(key, now);
    return undefined;
  }
}
