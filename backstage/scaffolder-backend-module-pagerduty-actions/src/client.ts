/**
 * The HTTP client of our server's action API, on Node's global `fetch` (Node 20+), so the
 * module has no runtime dependency of its own. Every call has a time limit; the bearer token
 * is sent but never appears in an error or a log line.
 */

import { PagerDutyActionsError, errorFromResponse, errorFromTransport } from './errors';
import type { PagerDutyActionDescription } from './manifest';

/** When our server says 409 retryable without a Retry-After, ask again after this long. */
export const DEFAULT_RETRY_AFTER_MS = 2000;

/** Time limit of one step's call when the config says none. */
const DEFAULT_TIMEOUT_MS = 120_000;

/** Join a base URL and a path without doubling or losing the slash. */
export function joinUrl(baseUrl: string, path: string): string {
  return `${String(baseUrl).replace(/\/+$/, '')}${path}`;
}

/** @public */
export interface PagerDutyActionsClientOptions {
  baseUrl: string;
  token?: string;
  /** Per call; default 120000. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

/** @public */
export interface RunActionOptions {
  dryRun?: boolean;
  idempotencyKey?: string;
  /** A user entity ref, recorded in our audit trail. */
  initiator?: string;
  /** The Backstage task and step, sent as X-Backstage-Task-Id/-Step-Id for the server's log. */
  taskId?: string;
  stepId?: string;
  signal?: AbortSignal;
  /** Called before asking again after a 409 marked retryable (the same key still running). */
  onRetry?: (error: Error, waitMs: number) => void;
}

/** One line of a run's log, as our server answers it. */
export interface RunLogLine {
  level?: string;
  message?: string;
}

/** @public */
export interface RunActionResult {
  output?: Record<string, unknown>;
  log?: RunLogLine[];
  dryRun?: boolean;
  /** The server answered from an earlier run with the same Idempotency-Key. */
  replayed: boolean;
}

interface RequestOptions {
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
  onHeaders?: (headers: Headers) => void;
}

/**
 * HTTP client of our server's action API.
 *
 * @public
 */
export class PagerDutyActionsClient {
  readonly baseUrl: string;
  readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private declare readonly token: string | undefined;

  constructor(options: PagerDutyActionsClientOptions) {
    if (!options || !options.baseUrl) {
      throw new Error('pagerdutyActions.baseUrl is required');
    }
    this.baseUrl = String(options.baseUrl).replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    // Not enumerable: keeps the token out of util.inspect, JSON.stringify and error reports.
    Object.defineProperty(this, 'token', { value: options.token, enumerable: false });
  }

  /** Headers every call sends. */
  private headers(extra?: Record<string, string>): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json', ...extra };
    if (this.token) {
      headers.authorization = `Bearer ${this.token}`;
    }
    return headers;
  }

  /** One HTTP exchange; resolves to the parsed JSON body of a 2xx answer. */
  private async request(method: string, path: string, options: RequestOptions = {}) {
    const url = joinUrl(this.baseUrl, path);
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    let response: Response;
    let text: string;
    try {
      response = await this.fetchImpl(url, {
        method,
        headers: this.headers(
          options.body === undefined
            ? options.headers
            : { 'content-type': 'application/json', ...options.headers },
        ),
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal,
      });
      text = await response.text();
    } catch (err) {
      if (options.signal && options.signal.aborted) {
        throw new Error(`the step was cancelled while calling ${url}`);
      }
      throw errorFromTransport(err, { url, timeoutMs });
    }
    if (!response.ok) {
      throw errorFromResponse({
        status: response.status,
        url,
        text,
        retryAfter: response.headers.get('retry-after'),
      });
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw errorFromResponse({ status: response.status, url, text });
    }
    options.onHeaders?.(response.headers);
    return body;
  }

  /** `GET /v2/actions`: every action in Backstage's list shape. */
  async listActions(options: { timeoutMs?: number } = {}): Promise<PagerDutyActionDescription[]> {
    const body = await this.request('GET', '/v2/actions', options);
    if (!Array.isArray(body)) {
      throw new Error(`${joinUrl(this.baseUrl, '/v2/actions')} did not answer a list of actions`);
    }
    return body;
  }

  /**
   * `POST /v2/actions/{id}`: run one action.
   *
   * A 409 marked `retryable` (a request with the same Idempotency-Key is still running: the
   * server answers at once rather than holding a worker) is asked again after its
   * Retry-After, until the first run's response is replayed, for at most the call's time
   * limit in all.
   */
  async runAction(
    actionId: string,
    input: unknown,
    options: RunActionOptions = {},
  ): Promise<RunActionResult> {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      try {
        const timeoutMs = Math.max(1, deadline - Date.now());
        return await this.runActionOnce(actionId, input, options, timeoutMs);
      } catch (err) {
        const waitMs = retryWait(err, deadline);
        if (waitMs === undefined) {
          throw err;
        }
        options.onRetry?.(err as Error, waitMs);
        await pause(waitMs, options.signal, joinUrl(this.baseUrl, `/v2/actions/${actionId}`));
      }
    }
  }

  /** One `POST /v2/actions/{id}`, no retry. */
  private async runActionOnce(
    actionId: string,
    input: unknown,
    options: RunActionOptions,
    timeoutMs: number,
  ): Promise<RunActionResult> {
    const query = options.dryRun ? '?dryRun=true' : '';
    const headers: Record<string, string> = {};
    if (options.idempotencyKey) {
      headers['idempotency-key'] = options.idempotencyKey;
    }
    if (options.initiator) {
      headers['x-backstage-initiator'] = options.initiator;
    }
    if (options.taskId) {
      headers['x-backstage-task-id'] = headerText(options.taskId);
    }
    if (options.stepId) {
      headers['x-backstage-step-id'] = headerText(options.stepId);
    }
    let replayed = false;
    const body = await this.request(
      'POST',
      `/v2/actions/${encodeURIComponent(actionId).replace(/%3A/gi, ':')}${query}`,
      {
        body: input ?? {},
        headers,
        signal: options.signal,
        timeoutMs,
        onHeaders: h => {
          replayed = h.get('idempotent-replayed') === 'true';
        },
      },
    );
    const fields = body && typeof body === 'object' ? (body as Omit<RunActionResult, 'replayed'>) : {};
    return { ...fields, replayed };
  }
}

/** A label as a header value: printable ASCII, at most 200 characters (fetch refuses others). */
function headerText(value: string): string {
  return String(value)
    .replace(/[^\x20-\x7e]/g, '?')
    .slice(0, 200);
}

/** How long to wait before asking again, or undefined when the error is final. */
function retryWait(err: unknown, deadline: number): number | undefined {
  if (!(err instanceof PagerDutyActionsError) || err.statusCode !== 409 || !err.retryable) {
    return undefined;
  }
  const waitMs = err.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS;
  return Date.now() + waitMs < deadline ? waitMs : undefined;
}

/** Sleep `ms`, or stop early with the step's cancellation. */
function pause(ms: number, signal: AbortSignal | undefined, url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const cancelled = () =>
      new Error(`the step was cancelled while waiting to call ${url} again`);
    if (signal?.aborted) {
      reject(cancelled());
      return;
    }
    let timer: ReturnType<typeof setTimeout> | undefined = undefined;
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled());
    };
    timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
