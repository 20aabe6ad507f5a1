/** What the emulator sends back, and the documented error body (spec/cloud-apis.md §1.4). */
import { randomUUID } from 'node:crypto';
import { errorCodeInfo } from './codes';
import type { EmulatedFault } from './types';

export const JSON_CONTENT_TYPE = 'application/json;charset=utf-8';

export type Reply =
  | { status: number; body: string | Buffer; contentType: string; code?: string; trickleMs?: number }
  | { hang: true }
  | { reset: true };

/** The gateway's RequestId: an upper-case UUID. */
export function newRequestId(): string {
  return randomUUID().toUpperCase();
}

export function jsonReply(body: unknown): Reply {
  return { status: 200, body: JSON.stringify(body), contentType: JSON_CONTENT_TYPE };
}

export interface ErrorDetails {
  message?: string;
  httpStatus?: number;
  /** Fills the `%s` of a templated message such as `Invalid param: %s`. */
  arg?: string;
}

export function errorReply(region: string, code: string, details: ErrorDetails = {}): Reply {
  const info = errorCodeInfo(code);
  const message = details.message ?? info.message.replace('%s', details.arg ?? '');
  const body = {
    RequestId: newRequestId(),
    HostId: `ehpc.${region}.aliyuncs.com`,
    Code: code,
    Message: message,
    Recommend: `https://api.aliyun.com/troubleshoot?q=${encodeURIComponent(code)}&product=EHPC`,
  };
  return {
    status: details.httpStatus ?? info.status,
    body: JSON.stringify(body),
    contentType: JSON_CONTENT_TYPE,
    code,
  };
}

export function faultReply(region: string, fault: EmulatedFault): Reply {
  if ('hang' in fault) return { hang: true };
  if ('reset' in fault) return { reset: true };
  if ('raw' in fault) {
    const { status, body, contentType, trickleMs } = fault.raw;
    const reply: Reply = { status, body, contentType: contentType ?? JSON_CONTENT_TYPE };
    if (trickleMs !== undefined) reply.trickleMs = trickleMs;
    return reply;
  }
  const details: ErrorDetails = {};
  if (fault.message !== undefined) details.message = fault.message;
  if (fault.httpStatus !== undefined) details.httpStatus = fault.httpStatus;
  return errorReply(region, fault.code, details);
}
