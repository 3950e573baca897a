'use strict';

/**
 * Errors a step fails with. Backstage shows a failed task's `error.name` and `error.message`
 * to the template author, so these carry our server's own name and words (not a generic
 * "Unable to complete request"), and, for transport failures, which URL failed and what to
 * check. Nothing here ever holds the bearer token.
 */

/** An error body answered by our server: the step fails with its name and message. */
class PagerDutyActionsError extends Error {
  /**
   * @param {{name: string, message: string, statusCode: number, details?: unknown[],
   *   upstream?: unknown, retryable?: boolean}} fields
   */
  constructor(fields) {
    super(fields.message);
    // Backstage prints `name: message`; our name (InputError, UpstreamError, ...) says which kind.
    this.name = fields.name;
    this.statusCode = fields.statusCode;
    this.details = fields.details;
    this.upstream = fields.upstream;
    this.retryable = Boolean(fields.retryable);
    // From the Retry-After header: when asking again may succeed (undefined: not said).
    this.retryAfterMs = fields.retryAfterMs;
  }
}

/** Our server could not be reached or did not answer in time; nothing in it says why. */
class PagerDutyActionsUnavailableError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'PagerDutyActionsUnavailableError';
  }
}

/** Format `details: [{path, message}]` of an InputError as lines under the message. */
function describeDetails(details) {
  if (!Array.isArray(details) || details.length === 0) {
    return '';
  }
  const lines = details
    .slice(0, 20)
    .map(d => (d && typeof d === 'object' ? `${d.path ?? '$'}: ${d.message ?? ''}` : String(d)));
  const more = details.length > 20 ? `\n  ... and ${details.length - 20} more` : '';
  return `\n  ${lines.join('\n  ')}${more}`;
}

/** `Retry-After` in milliseconds (seconds or an HTTP date), or undefined. */
function parseRetryAfter(value) {
  if (value === null || value === undefined || value === '') {
    return undefined;
  }
  const seconds = Number(value);
  if (Number.isFinite(seconds)) {
    return Math.max(0, seconds * 1000);
  }
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/**
 * Turn a non-2xx answer into the error the step fails with.
 *
 * @param {{status: number, url: string, text: string, retryAfter?: string | null}} response
 *   raw answer (`retryAfter`: its Retry-After header)
 * @returns {Error}
 */
function errorFromResponse({ status, url, text, retryAfter }) {
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const error = body && typeof body === 'object' ? body.error : undefined;
  if (error && typeof error.name === 'string' && typeof error.message === 'string') {
    let message = `${error.message}${describeDetails(error.details)}`;
    if (status === 401) {
      message += '\n  (check pagerdutyActions.token in app-config: it must be one of auth.tokens of the server)';
    }
    return new PagerDutyActionsError({
      name: error.name,
      message,
      statusCode: status,
      details: error.details,
      upstream: error.upstream,
      retryable: error.retryable,
      retryAfterMs: parseRetryAfter(retryAfter),
    });
  }
  const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  return new PagerDutyActionsUnavailableError(
    `${url} answered HTTP ${status} without a pagerduty-actions error body` +
      `${snippet ? ` (${snippet})` : ''}; check that pagerdutyActions.baseUrl points at the ` +
      'pagerduty-actions server and not at a proxy or another service',
  );
}

/**
 * Turn a failed fetch (connection refused, DNS, timeout) into a message that names the URL and
 * what to check.
 *
 * @param {unknown} err what fetch threw
 * @param {{url: string, timeoutMs: number}} where the request and its time limit
 * @returns {Error}
 */
function errorFromTransport(err, { url, timeoutMs }) {
  const e = /** @type {any} */ (err);
  if (e && (e.name === 'TimeoutError' || e.name === 'AbortError')) {
    const seconds = Math.round(timeoutMs / 100) / 10;
    return new PagerDutyActionsUnavailableError(
      `no answer from pagerduty-actions at ${url} within ${seconds} s; check the server's ` +
        'health (GET /readyz) and its log, and raise pagerdutyActions.timeoutSeconds if ' +
        'PagerDuty is slow. Re-running the step is safe: it sends the same Idempotency-Key',
    );
  }
  const cause = e && e.cause ? e.cause : e;
  const code = (cause && (cause.code || cause.name)) || 'connection failed';
  return new PagerDutyActionsUnavailableError(
    `cannot reach pagerduty-actions at ${url} (${code}); check that the server is running ` +
      'and that pagerdutyActions.baseUrl in app-config is right and reachable from Backstage',
  );
}

module.exports = {
  PagerDutyActionsError,
  PagerDutyActionsUnavailableError,
  errorFromResponse,
  errorFromTransport,
  parseRetryAfter,
};
