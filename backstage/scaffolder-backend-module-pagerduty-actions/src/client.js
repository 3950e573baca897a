'use strict';

/**
 * The HTTP client of our server's action API, on Node's global `fetch` (Node 20+), so the
 * module has no runtime dependency of its own. Every call has a time limit; the bearer token
 * is sent but never appears in an error or a log line.
 */

const { PagerDutyActionsError, errorFromResponse, errorFromTransport } = require('./errors');

/** When our server says 409 retryable without a Retry-After, ask again after this long. */
const DEFAULT_RETRY_AFTER_MS = 2000;

/** Join a base URL and a path without doubling or losing the slash. */
function joinUrl(baseUrl, path) {
  return `${String(baseUrl).replace(/\/+$/, '')}${path}`;
}

class PagerDutyActionsClient {
  /**
   * @param {{baseUrl: string, token?: string, timeoutMs?: number, fetch?: typeof fetch}} options
   */
  constructor(options) {
    if (!options || !options.baseUrl) {
      throw new Error('pagerdutyActions.baseUrl is required');
    }
    this.baseUrl = String(options.baseUrl).replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.fetchImpl = options.fetch ?? globalThis.fetch;
    // Not enumerable: keeps the token out of util.inspect, JSON.stringify and error reports.
    Object.defineProperty(this, 'token', { value: options.token, enumerable: false });
  }

  /** Headers every call sends. */
  headers(extra) {
    const headers = { accept: 'application/json', ...extra };
    if (this.token) {
      headers.authorization = `Bearer ${this.token}`;
    }
    return headers;
  }

  /**
   * One HTTP exchange; resolves to the parsed JSON body of a 2xx answer.
   *
   * @param {string} method
   * @param {string} path
   * @param {{body?: unknown, headers?: Record<string,string>, timeoutMs?: number,
   *   signal?: AbortSignal, onHeaders?: (headers: Headers) => void}} [options]
   */
  async request(method, path, options = {}) {
    const url = joinUrl(this.baseUrl, path);
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
    let response;
    let text;
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
    let body;
    try {
      body = JSON.parse(text);
    } catch {
      throw errorFromResponse({ status: response.status, url, text });
    }
    if (options.onHeaders) {
      options.onHeaders(response.headers);
    }
    return body;
  }

  /** `GET /v2/actions`: every action in Backstage's list shape. */
  async listActions(options = {}) {
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
   *
   * @param {string} actionId
   * @param {unknown} input the rendered step input
   * @param {{dryRun?: boolean, idempotencyKey?: string, initiator?: string, taskId?: string,
   *   stepId?: string, signal?: AbortSignal,
   *   onRetry?: (error: Error, waitMs: number) => void}} [options] `taskId`/`stepId`: the
   *   Backstage task and step, sent as X-Backstage-Task-Id/-Step-Id so the server's log line
   *   of the run (and of its failure) names them
   * @returns {Promise<{output?: Record<string, unknown>, log?: Array<{level?: string,
   *   message?: string}>, dryRun?: boolean, replayed: boolean}>} `replayed`: the server
   *   answered from an earlier run with the same Idempotency-Key and ran nothing again
   */
  async runAction(actionId, input, options = {}) {
    const deadline = Date.now() + this.timeoutMs;
    for (;;) {
      try {
        const timeoutMs = Math.max(1, deadline - Date.now());
        return await this.runActionOnce(actionId, input, { ...options, timeoutMs });
      } catch (err) {
        const waitMs = retryWait(err, deadline);
        if (waitMs === undefined) {
          throw err;
        }
        if (options.onRetry) {
          options.onRetry(err, waitMs);
        }
        await pause(waitMs, options.signal, joinUrl(this.baseUrl, `/v2/actions/${actionId}`));
      }
    }
  }

  /** One `POST /v2/actions/{id}`, no retry. */
  async runActionOnce(actionId, input, options = {}) {
    const query = options.dryRun ? '?dryRun=true' : '';
    const headers = {};
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
        timeoutMs: options.timeoutMs,
        onHeaders: h => {
          replayed = h.get('idempotent-replayed') === 'true';
        },
      },
    );
    return { ...body, replayed };
  }
}

/** A label as a header value: printable ASCII, at most 200 characters (fetch refuses others). */
function headerText(value) {
  return String(value).replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
}

/** How long to wait before asking again, or undefined when the error is final. */
function retryWait(err, deadline) {
  if (!(err instanceof PagerDutyActionsError) || err.statusCode !== 409 || !err.retryable) {
    return undefined;
  }
  const waitMs = err.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS;
  return Date.now() + waitMs < deadline ? waitMs : undefined;
}

/** Sleep `ms`, or stop early with the step's cancellation. */
function pause(ms, signal, url) {
  return new Promise((resolve, reject) => {
    if (signal && signal.aborted) {
      reject(new Error(`the step was cancelled while waiting to call ${url} again`));
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(new Error(`the step was cancelled while waiting to call ${url} again`));
    };
    const timer = setTimeout(() => {
      if (signal) signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (signal) signal.addEventListener('abort', onAbort, { once: true });
  });
}

module.exports = { PagerDutyActionsClient, joinUrl, DEFAULT_RETRY_AFTER_MS };
