import type { ChannelType } from './channel';

/**
 * What each chat service accepts and how it answers: spec/chat-protocols.md §2 (CHANNEL_CAPS),
 * copied for the services the auditor posts to. `standard` is Standard Webhooks (channel type
 * `webhook`). Teams is left out: the auditor has no Teams driver.
 */
export interface RateRule {
  max: number;
  windowMs: number;
}
export interface FieldLimit {
  path: string;
  max: number;
  unit: 'bytes' | 'chars' | 'items';
}

export interface ChannelCaps {
  auth: 'url-secret' | 'hmac-query' | 'hmac-json-body' | 'hmac-headers';
  timestampUnit: 's' | 'ms' | null;
  clockWindowMs: number | null;
  /** JSON field holding the business result even when HTTP is 200; null = trust the HTTP status */
  errorIn200Field: 'errcode' | 'code' | null;
  successRule: string;
  rate: readonly RateRule[];
  rateLimitedSignal: string;
  retryableCodes: readonly (number | string)[];
  blockAfterLimitMs: number | null;
  maxBodyBytes: number | null;
  fieldLimits: readonly FieldLimit[];
  sizeErrorCode: number | string | null;
  /** not confirmed by a primary source: each one is a knob in the fake */
  unconfirmed: readonly string[];
}

export const CHANNEL_CAPS = {
  dingtalk: {
    auth: 'hmac-query',
    timestampUnit: 'ms',
    clockWindowMs: 3_600_000,
    errorIn200Field: 'errcode',
    successRule: 'HTTP 200 and errcode === 0',
    rate: [{ max: 20, windowMs: 60_000 }],
    rateLimitedSignal: 'HTTP 200, errcode 130101',
    retryableCodes: [130101],
    blockAfterLimitMs: 600_000,
    maxBodyBytes: 20_000,
    fieldLimits: [],
    sizeErrorCode: 460101,
    unconfirmed: [
      '302 while throttled',
      'rolling vs fixed window',
      'do rejected posts count',
      'check order',
      'fields scanned for keywords',
      '90030 monthly quota size',
    ],
  },
  feishu: {
    auth: 'hmac-json-body',
    timestampUnit: 's',
    clockWindowMs: 3_600_000,
    errorIn200Field: 'code',
    successRule: 'code === 0 (ignore legacy StatusCode)',
    rate: [
      { max: 5, windowMs: 1_000 },
      { max: 100, windowMs: 60_000 },
    ],
    rateLimitedSignal: 'HTTP 200, code 11232',
    retryableCodes: [11232],
    blockAfterLimitMs: null,
    maxBodyBytes: 20_000,
    fieldLimits: [],
    sizeErrorCode: null,
    unconfirmed: [
      '"20 KB" = 20000 or 20480 bytes',
      'error code for oversize body',
      'HTTP status with 9499 (200 or 400)',
      '19022 message text',
    ],
  },
  wecom: {
    auth: 'url-secret',
    timestampUnit: null,
    clockWindowMs: null,
    errorIn200Field: 'errcode',
    successRule: 'HTTP 200 and errcode === 0',
    rate: [{ max: 20, windowMs: 60_000 }],
    rateLimitedSignal: 'HTTP 200, errcode 45009',
    retryableCodes: [45009],
    blockAfterLimitMs: null,
    maxBodyBytes: null,
    fieldLimits: [
      { path: 'text.content', max: 2048, unit: 'bytes' },
      { path: 'markdown.content', max: 4096, unit: 'bytes' },
      { path: 'markdown_v2.content', max: 4096, unit: 'bytes' },
      { path: 'news.articles', max: 8, unit: 'items' },
    ],
    sizeErrorCode: 40058,
    unconfirmed: ['rolling vs fixed window', 'block length after 45009', 'code for over-long text.content'],
  },
  slack: {
    auth: 'url-secret',
    timestampUnit: null,
    clockWindowMs: null,
    errorIn200Field: null,
    successRule: 'HTTP 200 and body === "ok" (text/html, not JSON)',
    rate: [{ max: 1, windowMs: 1_000 }],
    rateLimitedSignal: 'HTTP 429 + Retry-After (seconds)',
    retryableCodes: [],
    blockAfterLimitMs: null,
    maxBodyBytes: null,
    fieldLimits: [
      { path: 'blocks', max: 50, unit: 'items' },
      { path: 'section.text.text', max: 3000, unit: 'chars' },
      { path: 'section.fields', max: 10, unit: 'items' },
      { path: 'section.fields[].text', max: 2000, unit: 'chars' },
      { path: 'header.text.text', max: 150, unit: 'chars' },
      { path: 'block_id', max: 255, unit: 'chars' },
    ],
    sizeErrorCode: 'invalid_blocks',
    unconfirmed: [
      'burst size',
      '429 body',
      'exact error string per block limit',
      'total size limit of blocks',
    ],
  },
  standard: {
    auth: 'hmac-headers',
    timestampUnit: 's',
    clockWindowMs: 300_000,
    errorIn200Field: null,
    successRule: 'any 2xx; 410 = stop sending',
    rate: [],
    rateLimitedSignal: 'HTTP 429 / 502 / 504, optional Retry-After',
    retryableCodes: [],
    blockAfterLimitMs: null,
    maxBodyBytes: null,
    fieldLimits: [],
    sizeErrorCode: null,
    unconfirmed: [],
  },
} as const satisfies Record<string, ChannelCaps>;

/** Channel type → its capabilities row (`webhook` is the `standard` row). */
export function capsFor(type: ChannelType): (typeof CHANNEL_CAPS)[keyof typeof CHANNEL_CAPS] {
  return CHANNEL_CAPS[type === 'webhook' ? 'standard' : type];
}
