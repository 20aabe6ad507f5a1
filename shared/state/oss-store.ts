import type OSS from 'ali-oss';
import { redactSecrets, scrubKnownValues } from '../redact';
import { checkKey, StateError, type StateStore } from './store';

/** Credentials for OSS: a RAM user's AccessKey pair, or STS keys with their security token. */
export interface OssCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export interface OssStateStoreOptions {
  /** `cn-hangzhou` or `oss-cn-hangzhou`. */
  region: string;
  bucket: string;
  /** Key prefix inside the bucket, e.g. `imagegw/` (a missing trailing `/` is added; empty for none). */
  prefix: string;
  credentials: OssCredentials;
  /**
   * Overrides the regional endpoint, e.g. `http://127.0.0.1:PORT` for the emulator. ali-oss then
   * connects to that address; for an IP it sends `Host: <bucket>.oss-<region>.aliyuncs.com` with the
   * object in the path (virtual-host style), for a name it prefixes the bucket to the host name.
   */
  endpoint?: string;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
}

/** The list page size: OSS's maximum for ListObjects(V2). */
const PAGE_SIZE = 1000;
const CONTENT_TYPE = 'text/plain; charset=utf-8';

interface OssFailure {
  code?: unknown;
  name?: unknown;
  status?: unknown;
  message?: unknown;
}

/**
 * The production store: one OSS object per key under `prefix` in a bucket, with the same
 * semantics as `FileStateStore`. `create` is a real conditional write (PutObject with
 * `x-oss-forbid-overwrite: true`, which OSS answers with 409 FileAlreadyExists when the object
 * exists), `list` pages through ListObjectsV2 with continuation tokens. ali-oss is loaded on first
 * use only, so importing this module costs nothing until the store is used. Every failure is a
 * `StateError` with a one-line message that never holds the AccessKey id, secret or token.
 */
export class OssStateStore implements StateStore {
  private readonly prefix: string;
  private client: Promise<OSS> | undefined;

  constructor(private readonly options: OssStateStoreOptions) {
    const prefix = options.prefix.replace(/\/+$/, '');
    this.prefix = prefix === '' ? '' : `${checkKey(prefix)}/`;
  }

  async get(key: string): Promise<string | undefined> {
    const name = this.name(key);
    try {
      const result = await (await this.oss()).get(name);
      return Buffer.isBuffer(result.content) ? result.content.toString('utf8') : String(result.content ?? '');
    } catch (error) {
      if (codeOf(error) === 'NoSuchKey') return undefined;
      throw this.fail('read', key, error);
    }
  }

  async put(key: string, value: string): Promise<void> {
    const name = this.name(key);
    try {
      await (await this.oss()).put(name, Buffer.from(value, 'utf8'), { mime: CONTENT_TYPE });
    } catch (error) {
      throw this.fail('write', key, error);
    }
  }

  async create(key: string, value: string): Promise<boolean> {
    const name = this.name(key);
    try {
      await (await this.oss()).put(name, Buffer.from(value, 'utf8'), {
        mime: CONTENT_TYPE,
        headers: { 'x-oss-forbid-overwrite': 'true' },
      });
      return true;
    } catch (error) {
      if (codeOf(error) === 'FileAlreadyExists') return false;
      throw this.fail('create', key, error);
    }
  }

  async list(prefix: string): Promise<string[]> {
    const dir = checkKey(prefix.replace(/\/+$/, ''));
    const objectPrefix = `${this.prefix}${dir}/`;
    const keys: string[] = [];
    let token: string | undefined;
    try {
      const client = await this.oss();
      do {
        // listV2 deletes the token from the query it is given, so each page gets a fresh object.
        const query: OSS.ListV2ObjectsQuery = { prefix: objectPrefix, 'max-keys': PAGE_SIZE };
        if (token !== undefined) query['continuation-token'] = token;
        const page = await client.listV2(query);
        for (const object of page.objects ?? []) keys.push(object.name.slice(this.prefix.length));
        token = page.isTruncated && page.nextContinuationToken ? page.nextContinuationToken : undefined;
      } while (token !== undefined);
    } catch (error) {
      throw this.fail('list', dir, error);
    }
    return keys.sort();
  }

  async delete(key: string): Promise<void> {
    const name = this.name(key);
    try {
      await (await this.oss()).delete(name);
    } catch (error) {
      if (codeOf(error) === 'NoSuchKey') return;
      throw this.fail('delete', key, error);
    }
  }

  private name(key: string): string {
    return `${this.prefix}${checkKey(key)}`;
  }

  private oss(): Promise<OSS> {
    this.client ??= this.connect();
    return this.client;
  }

  private async connect(): Promise<OSS> {
    const { region, bucket, credentials, endpoint, timeoutMs } = this.options;
    try {
      const module = (await import('ali-oss')) as unknown as { default?: typeof OSS };
      const Client = module.default ?? (module as unknown as typeof OSS);
      const config: OSS.Options = {
        accessKeyId: credentials.accessKeyId,
        accessKeySecret: credentials.accessKeySecret,
        bucket,
        region: region.startsWith('oss-') ? region : `oss-${region}`,
        secure: true,
        timeout: timeoutMs ?? 30_000,
      };
      if (endpoint !== undefined) config.endpoint = endpoint;
      if (credentials.securityToken !== undefined) {
        config.stsToken = credentials.securityToken;
        // The store never refreshes STS keys (each invocation brings its own); a non-zero interval
        // without a refresh function only silences ali-oss's console warning about that.
        config.refreshSTSTokenInterval = Number.MAX_SAFE_INTEGER;
      }
      return new Client(config);
    } catch (error) {
      this.client = undefined;
      throw this.fail('open', `bucket ${bucket}`, error);
    }
  }

  /** A one-line, redacted StateError; the original error (whose request params hold the signed headers) is dropped. */
  private fail(action: string, key: string, error: unknown): StateError {
    if (error instanceof StateError) return error;
    const failure = (typeof error === 'object' && error !== null ? error : {}) as OssFailure;
    const code = codeOf(error) ?? (typeof failure.name === 'string' ? failure.name : 'error');
    const status =
      typeof failure.status === 'number' && failure.status > 0 ? ` (HTTP ${failure.status})` : '';
    // urllib appends its agent's socket counters to network errors; the first clause is the cause.
    const message = typeof failure.message === 'string' ? failure.message.split('\n')[0] : undefined;
    const detail = message ? `: ${message.replace(/ \(connected:.*$/, '').slice(0, 200)}` : '';
    return new StateError(this.scrub(`cannot ${action} state ${key} on OSS: ${code}${status}${detail}`));
  }

  private scrub(text: string): string {
    const { accessKeyId, accessKeySecret, securityToken } = this.options.credentials;
    return redactSecrets(scrubKnownValues(text, [securityToken, accessKeySecret, accessKeyId])).replace(
      /\s+/g,
      ' ',
    );
  }
}

function codeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as OssFailure).code;
  return typeof code === 'string' ? code : undefined;
}
