/** Small shared pieces of the chat emulator: byte counts, IP lists, rate windows, token buckets. */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { RateRule, RateWindowMode, WindowBoundary } from './types';

export function utf8Bytes(s: string): number {
  return Buffer.byteLength(s, 'utf8');
}

/** Constant-time compare that never throws on a length mismatch (§1.7). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

export function inWindow(delta: number, window: number, boundary: WindowBoundary): boolean {
  const d = Math.abs(delta);
  return boundary === 'inclusive' ? d <= window : d < window;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function tryParseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

export function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0;
}

/** Every string value anywhere in a JSON value. */
export function allStrings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const item of value) allStrings(item, out);
  else if (isRecord(value)) for (const item of Object.values(value)) allStrings(item, out);
  return out;
}

/** String values held under one of `keys` (directly or in arrays), searched at any depth. */
export function stringsUnderKeys(value: unknown, keys: ReadonlySet<string>, out: string[] = []): string[] {
  const collect = (v: unknown, underKey: boolean): void => {
    if (typeof v === 'string') {
      if (underKey) out.push(v);
    } else if (Array.isArray(v)) {
      for (const item of v) collect(item, underKey);
    } else if (isRecord(v)) {
      for (const [k, item] of Object.entries(v)) collect(item, keys.has(k));
    }
  };
  collect(value, false);
  return out;
}

export function containsKeyword(texts: readonly string[], keywords: readonly string[]): boolean {
  return texts.some((t) => keywords.some((k) => k.length > 0 && t.includes(k)));
}

export function normalizeIp(address: string | undefined): string {
  if (!address) return '';
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part)) return undefined;
    const v = Number(part);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

/** Exact address, IPv4 CIDR (`10.1.2.0/24`) or wildcard (`198.51.100.*`). */
export function ipAllowed(ip: string, list: readonly string[]): boolean {
  return list.some((entry) => {
    if (entry === ip) return true;
    if (entry.includes('*')) {
      const pattern = new RegExp(`^${entry.replace(/\./g, '\\.').replace(/\*/g, '\\d{1,3}')}$`);
      return pattern.test(ip);
    }
    const [net, bitsText] = entry.split('/');
    if (net === undefined || bitsText === undefined) return false;
    const bits = Number(bitsText);
    const a = ipv4ToInt(ip);
    const b = ipv4ToInt(net);
    if (a === undefined || b === undefined || !Number.isInteger(bits) || bits < 0 || bits > 32) return false;
    if (bits === 0) return true;
    const shift = 32 - bits;
    return Math.floor(a / 2 ** shift) === Math.floor(b / 2 ** shift);
  });
}

/** Hits in rolling or fixed windows; a hit is counted only when the caller records it. */
export class RateCounter {
  private hits: number[] = [];

  /** The first rule the next request would break (its hits already at `max`), if any. */
  exceeded(rules: readonly RateRule[], mode: RateWindowMode, now: number): RateRule | undefined {
    return rules.find((rule) => this.count(rule, mode, now) >= rule.max);
  }

  count(rule: RateRule, mode: RateWindowMode, now: number): number {
    const from = mode === 'rolling' ? now - rule.windowMs : Math.floor(now / rule.windowMs) * rule.windowMs;
    return this.hits.filter((t) => (mode === 'rolling' ? t > from : t >= from) && t <= now).length;
  }

  record(now: number, keepMs: number): void {
    this.hits.push(now);
    if (this.hits.length > 1000) this.hits = this.hits.filter((t) => t > now - keepMs);
  }
}

/** Slack-style token bucket driven by the emulator clock. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private capacity: number,
    private refillPerSec: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }

  reconfigure(capacity: number, refillPerSec: number): void {
    this.capacity = capacity;
    this.refillPerSec = refillPerSec;
    this.tokens = Math.min(this.tokens, capacity);
  }

  /** Takes a token, or returns the whole seconds to wait (≥ 1) for the next one. */
  take(now: number): { ok: true } | { ok: false; retryAfterSec: number } {
    const elapsed = Math.max(0, now - this.last);
    this.last = Math.max(this.last, now);
    this.tokens = Math.min(this.capacity, this.tokens + (elapsed / 1000) * this.refillPerSec);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    const waitSec = this.refillPerSec > 0 ? (1 - this.tokens) / this.refillPerSec : 3600;
    return { ok: false, retryAfterSec: Math.max(1, Math.ceil(waitSec - 1e-9)) };
  }
}

/** mulberry32: small seeded PRNG for probabilistic faults. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomString(alphabet: string, length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return out;
}

export const HEX = '0123456789abcdef';
export const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export const UPPER_ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

export function randomUuid(): string {
  const h = randomString(HEX, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Runs named checks in the given order; the first one that answers wins. */
export function runChecks<N extends string, R>(
  order: readonly N[],
  checks: Readonly<Record<N, () => R | undefined>>,
): R | undefined {
  for (const name of order) {
    const result = checks[name]();
    if (result !== undefined) return result;
  }
  return undefined;
}
