/** Public types of the E-HPC emulator. */
import type { IncomingHttpHeaders } from 'node:http';

/**
 * A `ClusterInfoSimple` as ListClusters returns it; only `Id` is required. Absent `RegionId`, `Name`
 * and `Status` are filled in (the region listed under, the Id, `running`) because the real API always
 * sends them; a field set to `null` is left out of the answer instead, to test clients without it.
 */
export interface ClusterInfo {
  Id: string;
  RegionId?: string | null;
  Name?: string | null;
  Status?: string | null;
  [field: string]: unknown;
}

/** An error answer in the documented body shape. `httpStatus` defaults to the code's real status. */
export interface CodeFault {
  code: string;
  message?: string;
  /** E.g. 200 to send an error body with a success status (pop-core throws on `Code` anyway). */
  httpStatus?: number;
}

/** Any bytes with any status: HTML 502 pages, empty or `null` bodies, codeless 500s, truncated JSON. */
export interface RawFault {
  raw: {
    status: number;
    body: string | Buffer;
    contentType?: string;
    /** Send the body one byte at a time with this pause, to exercise body-read timeouts. */
    trickleMs?: number;
  };
}

/** Never answer; the client's timeout must fire. */
export interface HangFault {
  hang: true;
}

/** Destroy the connection without an answer (ECONNRESET / socket hang up on the client). */
export interface ResetFault {
  reset: true;
}

export type EmulatedFault = (CodeFault | RawFault | HangFault | ResetFault) & {
  /** How many matching requests get the fault; undefined means every one. */
  times?: number;
};

export interface EmulatedCluster {
  info: ClusterInfo;
  /**
   * The exact DescribeImageGatewayConfig answer. A string or Buffer is sent byte for byte; any other
   * value is sent as `JSON.stringify(describe)`. Absent: a documented-shape compliant gateway.
   */
  describe?: unknown;
  fault?: EmulatedFault;
}

export interface EmulatorCredential {
  accessKeyId: string;
  accessKeySecret: string;
  /** Makes this an STS key: every request must carry exactly this `SecurityToken`. */
  securityToken?: string;
  /** STS expiry (emulator clock, ms since epoch); later requests get `InvalidSecurityToken.Expired`. */
  expiresAt?: number;
}

export interface EhpcEmulatorOptions {
  regions: Record<string, EmulatedCluster[]>;
  credentials?: EmulatorCredential[];
  pageSize?: { max?: number; outOfRange?: 'reject' | 'clamp' };
  /**
   * `region` (default): an endpoint lists the clusters configured under its region.
   * `account`: every endpoint lists every cluster (the "all regions" reading of the docs, §1.2).
   */
  listScope?: 'region' | 'account';
  /** The answer to DescribeImageGatewayConfig for an unknown or foreign cluster (§7.1). */
  unknownCluster?: 'ClusterNotFound' | 'InvalidParams';
  clock?: () => number;
  timestampWindowMs?: number;
  latencyMs?: number;
  /**
   * Flow control per region endpoint, like the POP gateway's: at most `perSecond` accepted requests
   * in any sliding 1-second window of the emulator clock. It is checked after the signature, timestamp,
   * nonce, Version and Action checks; a request over the limit is answered `Throttling.User` (HTTP 400)
   * and is not counted. Absent: no limit.
   */
  rateLimit?: RateLimitOptions;
}

export interface RateLimitOptions {
  /** Accepted requests per region in any 1-second window (a positive whole number). */
  perSecond: number;
}

export interface RecordedRequest {
  region: string;
  /** When the request was checked (as soon as its body was read), on the emulator clock (ms). */
  at: number;
  method: string;
  /** `Action` as sent (undefined when missing). */
  action: string | undefined;
  /** Every received parameter except `Signature`. */
  params: Record<string, string>;
  headers: IncomingHttpHeaders;
  /** The HTTP status answered; undefined for hangs and resets. */
  status?: number;
  /** The error code answered, if any. */
  code?: string;
}

export interface ThrottleOptions {
  /** Throttle every n-th request (counted from this call). */
  every?: number;
  /** Throttle the next n requests. */
  next?: number;
  /** Default `Throttling.User`. */
  code?: string;
}

export interface EhpcEmulator {
  endpoints: Record<string, string>;
  requests: RecordedRequest[];
  /** Overrides the cluster's configured fault. `times` undefined = every request. */
  failCluster(clusterId: string, fault: string | EmulatedFault, times?: number): void;
  /** Fails ListClusters in one region (every page). */
  failRegion(region: string, fault: string | EmulatedFault, times?: number): void;
  /** Replaces the throttling rule; `throttle({})` switches throttling off. */
  throttle(options: ThrottleOptions): void;
  /** Drops every cluster fault, region fault and throttling rule (configured ones included). */
  clearFaults(): void;
  close(): Promise<void>;
}
