/**
 * An OSS emulator for the state store: the object REST API that ali-oss uses for put, get, head,
 * delete and bucket listing (v1 `marker` and v2 `list-type=2` / `continuation-token`), on node:http
 * at 127.0.0.1 and an ephemeral port. It verifies header signature v1 (see ./signature.ts), the
 * request time (15 minutes either way, RequestTimeTooSkewed), the STS `x-oss-security-token`, and
 * Content-MD5, and answers errors in OSS's XML `<Error>` shape with the real HTTP statuses.
 *
 * Addressing: ali-oss given an IP endpoint (`http://127.0.0.1:PORT`) connects to that IP and sends
 * `Host: <bucket>.<region>.aliyuncs.com` with the object in the path (virtual-host style), so the
 * bucket is taken from the first label of a non-IP Host. For hosts that are IPs or `localhost`,
 * path style (`/<bucket>/<object>`) is accepted too.
 *
 * `PutObject` with `x-oss-forbid-overwrite: true` on an existing object answers 409
 * FileAlreadyExists; requests are handled one at a time after their body is read, so that check
 * and the write are atomic, as the service guarantees.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import {
  canonicalizedResource,
  parseAuthorization,
  sameSignature,
  signatureV1,
  stringToSign,
} from './signature';

export interface OssCredentials {
  accessKeyId: string;
  accessKeySecret: string;
  securityToken?: string;
}

export interface OssEmulatorOptions {
  credentials: OssCredentials;
  /** Milliseconds since the epoch; for request-time checks and LastModified. */
  clock?: () => number;
  /** Buckets that exist from the start (default: none; call `createBucket`). */
  buckets?: readonly string[];
}

export interface StoredObject {
  body: Buffer;
  contentType: string;
  etag: string;
  lastModified: number;
}

export interface RecordedOssRequest {
  method: string;
  /** Raw request target (path and query), as received. */
  url: string;
  host: string;
  bucket: string | undefined;
  key: string;
  status: number;
  /** The error code when the answer was an error. */
  code?: string;
  headers: Record<string, string>;
}

export interface OssEmulator {
  /** `http://127.0.0.1:PORT`, for ali-oss's `endpoint`. */
  endpoint: string;
  createBucket(name: string): void;
  /** The live object map of a bucket (throws for an unknown bucket); tests may seed or inspect it. */
  objects(bucket: string): Map<string, StoredObject>;
  requests: RecordedOssRequest[];
  close(): Promise<void>;
}

const SKEW_MS = 15 * 60_000;
const MAX_KEYS_LIMIT = 1000;
const DEFAULT_MAX_KEYS = 100;

const ERROR_MESSAGES: Record<string, string> = {
  AccessDenied: 'You have no right to access this object because of bucket acl.',
  InvalidAccessKeyId: 'The OSS Access Key Id you provided does not exist in our records.',
  InvalidSecurityToken: 'The security token you provided is invalid.',
  SignatureDoesNotMatch:
    'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
  RequestTimeTooSkewed: 'The difference between the request time and the current time is too large.',
  NoSuchBucket: 'The specified bucket does not exist.',
  NoSuchKey: 'The specified key does not exist.',
  FileAlreadyExists: 'The object you specified already exists and can not be overwritten.',
  InvalidDigest: 'The Content-MD5 you specified is not valid.',
  InvalidArgument: 'Argument is invalid.',
  MethodNotAllowed: 'The specified method is not allowed against this resource.',
};

const STATUS: Record<string, number> = {
  AccessDenied: 403,
  InvalidAccessKeyId: 403,
  InvalidSecurityToken: 403,
  SignatureDoesNotMatch: 403,
  RequestTimeTooSkewed: 403,
  NoSuchBucket: 404,
  NoSuchKey: 404,
  FileAlreadyExists: 409,
  InvalidDigest: 400,
  InvalidArgument: 400,
  MethodNotAllowed: 405,
};

const EC: Record<string, string> = {
  SignatureDoesNotMatch: '0002-00000040',
  InvalidAccessKeyId: '0002-00000030',
  FileAlreadyExists: '0006-00000019',
  NoSuchKey: '0026-00000001',
  NoSuchBucket: '0015-00000101',
};

function xmlEscape(text: string): string {
  return text.replace(/[<>&'"]/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function element(name: string, value: string | number | boolean): string {
  return `<${name}>${xmlEscape(String(value))}</${name}>`;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolveBody(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: Buffer | string;
  code?: string;
}

class OssError {
  constructor(
    readonly code: string,
    readonly extra: Record<string, string> = {},
  ) {}
}

export async function startOssEmulator(options: OssEmulatorOptions): Promise<OssEmulator> {
  const clock = options.clock ?? Date.now;
  const { credentials } = options;
  const buckets = new Map<string, Map<string, StoredObject>>();
  for (const name of options.buckets ?? []) buckets.set(name, new Map());
  const requests: RecordedOssRequest[] = [];

  function route(req: IncomingMessage): {
    host: string;
    bucket: string | undefined;
    key: string;
    query: URLSearchParams;
  } {
    const host = (req.headers.host ?? '').replace(/:\d+$/, '');
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const path = url.pathname.replace(/^\//, '');
    if (host !== '' && isIP(host) === 0 && host !== 'localhost') {
      return { host, bucket: host.split('.')[0], key: decodeURIComponent(path), query: url.searchParams };
    }
    const slash = path.indexOf('/');
    const bucket = slash === -1 ? path : path.slice(0, slash);
    const key = slash === -1 ? '' : path.slice(slash + 1);
    return { host, bucket: bucket || undefined, key: decodeURIComponent(key), query: url.searchParams };
  }

  function authenticate(req: IncomingMessage, bucket: string, key: string, query: URLSearchParams): void {
    const auth = parseAuthorization(req.headers.authorization);
    if (!auth) throw new OssError('AccessDenied');
    if (auth.keyId !== credentials.accessKeyId) {
      throw new OssError('InvalidAccessKeyId', { OSSAccessKeyId: auth.keyId });
    }
    if (credentials.securityToken !== undefined) {
      if (req.headers['x-oss-security-token'] !== credentials.securityToken) {
        throw new OssError('InvalidSecurityToken');
      }
    }
    const toSign = stringToSign(req.method ?? 'GET', req.headers, canonicalizedResource(bucket, key, query));
    const expected = signatureV1(credentials.accessKeySecret, toSign);
    if (!sameSignature(auth.signature, expected)) {
      throw new OssError('SignatureDoesNotMatch', {
        OSSAccessKeyId: auth.keyId,
        SignatureProvided: auth.signature,
        StringToSign: toSign,
        StringToSignBytes: [...Buffer.from(toSign, 'utf8')]
          .map((byte) => byte.toString(16).padStart(2, '0'))
          .join(' '),
      });
    }
    const dateText = req.headers['x-oss-date'] ?? req.headers.date;
    const date = typeof dateText === 'string' ? Date.parse(dateText) : Number.NaN;
    if (Number.isNaN(date)) throw new OssError('AccessDenied');
    if (Math.abs(clock() - date) > SKEW_MS) {
      throw new OssError('RequestTimeTooSkewed', {
        RequestTime: new Date(date).toISOString(),
        ServerTime: new Date(clock()).toISOString(),
      });
    }
  }

  function list(bucketName: string, objects: Map<string, StoredObject>, query: URLSearchParams): Answer {
    const v2 = query.get('list-type') === '2';
    const prefix = query.get('prefix') ?? '';
    const delimiter = query.get('delimiter') ?? '';
    const maxKeysText = query.get('max-keys');
    const maxKeys = maxKeysText === null ? DEFAULT_MAX_KEYS : Number(maxKeysText);
    if (!Number.isInteger(maxKeys) || maxKeys < 1 || maxKeys > MAX_KEYS_LIMIT) {
      throw new OssError('InvalidArgument', { ArgumentName: 'max-keys', ArgumentValue: maxKeysText ?? '' });
    }
    let after = '';
    const token = query.get('continuation-token');
    if (v2 && token) after = Buffer.from(token, 'base64url').toString('utf8');
    else if (v2) after = query.get('start-after') ?? '';
    else after = query.get('marker') ?? '';

    const names = [...objects.keys()]
      .filter((name) => name.startsWith(prefix) && name > after)
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const contents: string[] = [];
    const prefixes = new Set<string>();
    let last = '';
    let truncated = false;
    for (const name of names) {
      if (contents.length + prefixes.size >= maxKeys) {
        truncated = true;
        break;
      }
      const rest = name.slice(prefix.length);
      const cut = delimiter === '' ? -1 : rest.indexOf(delimiter);
      if (cut !== -1) {
        const common = prefix + rest.slice(0, cut + delimiter.length);
        if (!prefixes.has(common)) prefixes.add(common);
        last = name;
        continue;
      }
      const object = objects.get(name) as StoredObject;
      contents.push(
        `<Contents>${element('Key', name)}${element('LastModified', new Date(object.lastModified).toISOString())}${element('ETag', object.etag)}${element('Type', 'Normal')}${element('Size', object.body.length)}${element('StorageClass', 'Standard')}</Contents>`,
      );
      last = name;
    }
    const parts = [
      element('Name', bucketName),
      element('Prefix', prefix),
      v2 ? '' : element('Marker', after),
      element('MaxKeys', maxKeys),
      element('Delimiter', delimiter),
      element('IsTruncated', truncated),
    ];
    if (truncated && v2)
      parts.push(element('NextContinuationToken', Buffer.from(last).toString('base64url')));
    if (truncated && !v2) parts.push(element('NextMarker', last));
    if (v2 && token) parts.push(element('ContinuationToken', token));
    if (v2) parts.push(element('KeyCount', contents.length + prefixes.size));
    parts.push(...contents);
    for (const common of prefixes)
      parts.push(`<CommonPrefixes>${element('Prefix', common)}</CommonPrefixes>`);
    return {
      status: 200,
      headers: { 'content-type': 'application/xml' },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult>${parts.join('')}</ListBucketResult>`,
    };
  }

  function objectHeaders(object: StoredObject): Record<string, string> {
    return {
      'content-type': object.contentType,
      etag: object.etag,
      'last-modified': new Date(object.lastModified).toUTCString(),
      'x-oss-object-type': 'Normal',
      'x-oss-storage-class': 'Standard',
    };
  }

  function answer(
    req: IncomingMessage,
    body: Buffer,
    bucket: string | undefined,
    key: string,
    query: URLSearchParams,
  ): Answer {
    const method = req.method ?? 'GET';
    if (bucket === undefined) throw new OssError('MethodNotAllowed');
    authenticate(req, bucket, key, query);
    const objects = buckets.get(bucket);
    if (!objects) throw new OssError('NoSuchBucket', { BucketName: bucket });
    if (key === '') {
      if (method === 'GET') return list(bucket, objects, query);
      throw new OssError('MethodNotAllowed');
    }
    switch (method) {
      case 'PUT': {
        const md5 = req.headers['content-md5'];
        if (md5 !== undefined && createHash('md5').update(body).digest('base64') !== md5) {
          throw new OssError('InvalidDigest');
        }
        if (String(req.headers['x-oss-forbid-overwrite']).toLowerCase() === 'true' && objects.has(key)) {
          throw new OssError('FileAlreadyExists');
        }
        const etag = `"${createHash('md5').update(body).digest('hex').toUpperCase()}"`;
        objects.set(key, {
          body,
          contentType: String(req.headers['content-type'] ?? 'application/octet-stream'),
          etag,
          lastModified: clock(),
        });
        return { status: 200, headers: { etag } };
      }
      case 'GET':
      case 'HEAD': {
        const object = objects.get(key);
        if (!object) throw new OssError('NoSuchKey', { Key: key });
        return {
          status: 200,
          headers: { ...objectHeaders(object), 'content-length': String(object.body.length) },
          body: method === 'GET' ? object.body : Buffer.alloc(0),
        };
      }
      case 'DELETE':
        objects.delete(key);
        return { status: 204 };
      default:
        throw new OssError('MethodNotAllowed');
    }
  }

  function errorAnswer(error: OssError, requestId: string, host: string, method: string): Answer {
    const status = STATUS[error.code] ?? 400;
    const fields = [
      element('Code', error.code),
      element('Message', ERROR_MESSAGES[error.code] ?? error.code),
      element('RequestId', requestId),
      element('HostId', host),
      ...Object.entries(error.extra).map(([name, value]) => element(name, value)),
    ];
    const ec = EC[error.code];
    if (ec) fields.push(element('EC', ec));
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error>\n  ${fields.join('\n  ')}\n</Error>\n`;
    // HEAD answers carry no body; OSS puts the error document base64-encoded in x-oss-err instead.
    if (method === 'HEAD') {
      return { status, code: error.code, headers: { 'x-oss-err': Buffer.from(xml).toString('base64') } };
    }
    return { status, code: error.code, headers: { 'content-type': 'application/xml' }, body: xml };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req);
    const requestId = randomBytes(12).toString('hex').toUpperCase();
    const { host, bucket, key, query } = route(req);
    let reply: Answer;
    try {
      reply = answer(req, body, bucket, key, query);
    } catch (error) {
      if (!(error instanceof OssError)) throw error;
      reply = errorAnswer(error, requestId, req.headers.host ?? host, req.method ?? 'GET');
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    requests.push({
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      host,
      bucket,
      key,
      status: reply.status,
      ...(reply.code === undefined ? {} : { code: reply.code }),
      headers,
    });
    const payload = reply.body === undefined ? Buffer.alloc(0) : Buffer.from(reply.body);
    res.writeHead(reply.status, {
      server: 'AliyunOSS',
      date: new Date(clock()).toUTCString(),
      'x-oss-request-id': requestId,
      ...(req.method === 'HEAD' ? {} : { 'content-length': String(payload.length) }),
      ...reply.headers,
    });
    res.end(req.method === 'HEAD' ? undefined : payload);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(String(error));
    });
  });
  const port = await new Promise<number>((resolvePort, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolvePort((server.address() as AddressInfo).port));
  });

  return {
    endpoint: `http://127.0.0.1:${port}`,
    createBucket(name) {
      if (!buckets.has(name)) buckets.set(name, new Map());
    },
    objects(bucket) {
      const objects = buckets.get(bucket);
      if (!objects) throw new Error(`no bucket ${bucket} in the OSS emulator`);
      return objects;
    },
    requests,
    close: () =>
      new Promise<void>((resolveClose, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolveClose()));
      }),
  };
}
