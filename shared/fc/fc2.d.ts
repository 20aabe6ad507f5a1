/**
 * Local typings for `@alicloud/fc2` 2.6.6, which ships none (spec/cloud-apis.md §4.1). Only what the
 * project calls is declared; everything here was read in `lib/client.js` of that version.
 *
 * It lives under `shared/` because tsconfig.json's `include` has no `types/` folder.
 * Import with a default import (`esModuleInterop`), as pop-core is: `import FCClient from '@alicloud/fc2'`.
 */
declare module '@alicloud/fc2' {
  namespace FCClient {
    interface Config {
      /** Capital "ID", unlike pop-core's `accessKeyId`; a missing value throws a TypeError. */
      accessKeyID: string;
      accessKeySecret: string;
      /** Required (constructor TypeError otherwise) when `accessKeyID` starts with `STS`. */
      securityToken?: string;
      region: string;
      /** HTTPS; the default is plain HTTP. */
      secure?: boolean;
      /** Adds `-internal` to the default host. */
      internal?: boolean;
      /** Replaces `http(s)://<accountId>.<region>[-internal].fc.aliyuncs.com`; `host`: its hostname only. */
      endpoint?: string;
      /** Connect and read timeout in ms; default 60 000. */
      timeout?: number;
      /** Merged into every request (e.g. `x-fc-invocation-type: Async`). */
      headers?: Record<string, string>;
    }

    interface Response<T = unknown> {
      headers: Record<string, string | string[] | undefined>;
      /**
       * The body as UTF-8, JSON-parsed when the response `content-type` starts with `application/json`;
       * a Buffer with `rawBuf: true` (unless the response carries `x-fc-error-type`).
       */
      data: T;
    }

    /**
     * What a non-2xx answer rejects with: `name` is `'FC' + ErrorCode + 'Error'`, `code` the body's
     * `ErrorCode` (`FCundefinedError` / `undefined` without one). No status or body properties.
     */
    interface FCError extends Error {
      code?: string;
    }
  }

  class FCClient {
    constructor(accountId: string, config: FCClient.Config);

    /**
     * The API version prefix of every URL and signed path, `'2016-08-15'`. Public in 2.6.6; set it to
     * `'2023-03-30'` on a dedicated client to reach FC 3.0 paths with `post`, as the fc3 component
     * does (docs/decisions/0001).
     */
    version: string;

    /**
     * `POST <endpoint>/<version><path>[?queries]`, signed over `/<version><path>` (the query unsigned
     * outside `/proxy/`). A string or Buffer body is sent as `application/octet-stream`, any other
     * object as JSON.
     */
    post(
      path: string,
      body?: string | Buffer | object | null,
      headers?: Record<string, string>,
      queries?: Record<string, string> | null,
      opts?: { rawBuf?: boolean },
    ): Promise<FCClient.Response>;

    /** `GET <endpoint>/<version><path>[?query]`. */
    get(
      path: string,
      query?: Record<string, string> | null,
      headers?: Record<string, string>,
    ): Promise<FCClient.Response>;

    /**
     * `POST /2016-08-15/services/<service>[.<qualifier>]/functions/<fn>/invocations`. Throws a
     * TypeError synchronously when `event` is truthy and neither a string nor a Buffer. Function
     * errors resolve (2xx with `x-fc-error-type`); check that header on every response.
     */
    invokeFunction(
      serviceName: string,
      functionName: string,
      event?: string | Buffer,
      headers?: Record<string, string>,
      qualifier?: string,
      opts?: { rawBuf?: boolean },
    ): Promise<FCClient.Response>;

    /** `FC <id>:<base64 HMAC-SHA256>` over the §4.4 string to sign; `path` includes `/2016-08-15`. */
    static getSignature(
      accessKeyID: string,
      accessKeySecret: string,
      method: string,
      path: string,
      headers: Record<string, unknown>,
      queries?: Record<string, string | string[]> | null,
    ): string;
  }

  export = FCClient;
}
