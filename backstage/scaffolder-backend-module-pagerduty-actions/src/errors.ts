/**
 * Errors a step fails with. Backstage shows a failed task's `error.name` and `error.message`
 * to the template author, so these carry our server's own name and words (not a generic
 * "Unable to complete request"), and, for transport failures, which URL failed and what to
 * check. Nothing here ever holds the bearer token.
 */

/** The fields of an error body answered by our server (`{error: {...}}`). */
export interface PagerDutyActionsErrorFields {
  name: string;
  message: string;
  statusCode: number;
  details?: unknown[];
  upstream?: unknown;
  retryable?: boolean;
  /** From the answer's Retry-After header, in milliseconds. */
  retryAfterMs?: number;
}

/**
 * An error body answered by our server: the step fails with its name and message.
 *
 * @public
 */
export class PagerDutyActionsError extends Error {
  readonly statusCode: number;
  readonly details?: unknown[];
  readonly upstream?: unknown;
  readonly retryable: boolean;
  /** From the Retry-After header: when asking again may succeed (undefined: not said). */
  readonly retryAfterMs?: number;

  constructor(fields: PagerDutyActionsErrorFields) {
    super(fields.message);
    // Backstage prints `name: message`; our name (InputError, UpstreamError, ...) says which kind.
    this.name = fields.name;
    this.statusCode = fields.statusCode;
    this.details = fields.details;
    this.upstream = fields.upstream;
    this.retryable = Boolean(fields.retryable);
    this.retryAfterMs = fields.retryAfterMs;
  }
}

/**
 * Our server could not be reached or did not answer in time; nothing in it says why.
 *
 * @public
 */
export class PagerDutyActionsUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PagerDutyActionsUnavailableError';
  }
}

/** At most this many `details` lines under an input error's message. */
const MAX_DETAIL_LINES = 20;

/** Format `details: [{path, message}]` of an InputError as lines under the message. */
function describeDetails(details: unknown): string {
  if (!Array.isArray(details) || details.length === 0) {
    return '';
  }
  const lines = details.slice(0, MAX_DETAIL_LINES).map(d => {
    if (d && typeof d === 'object') {
      const detail = d as { path?: unknown; message?: unknown };
      return `${detail.path ?? '$'}: ${detail.message ?? ''}`;
    }
    return String(d);
  });
  const more =
    details.length > MAX_DETAIL_LINES
      ? `\n  ... and ${details.length - MAX_DETAIL_LINES} more`
      : '';
  return `\n  ${lines.join('\n  ')}${more}`;
}

/** `Retry-After` in milliseconds (seconds or an HTTP date), or undefined. */
export function parseRetryAfter(value: string | null | undefined): number | undefined {
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

/** A non-2xx answer as it came: status, URL, body text and its Retry-After header. */
export interface RawAnswer {
  status: number;
  url: string;
  text: string;
  retryAfter?: string | null;
}

/** Turn a non-2xx answer (or a 2xx that is not JSON) into the error the step fails with. */
export function errorFromResponse({ status, url, text, retryAfter }: RawAnswer): Error {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const error =
    body && typeof body === 'object'
      ? ((body as { error?: unknown }).error as Record<string, unknown> | undefined)
      : undefined;
  if (error && typeof error.name === 'string' && typeof error.message === 'string') {
    let message = `${error.message}${describeDetails(error.details)}`;
    if (status === 401) {
      message +=
        '\n  (check pagerdutyActions.token in app-config: it must be one of auth.tokens of the server)';
    }
    return new PagerDutyActionsError({
      name: error.name,
      message,
      statusCode: status,
      details: Array.isArray(error.details) ? error.details : undefined,
      upstream: error.upstream,
      retryable: error.retryable === true,
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
 */
export function errorFromTransport(
  err: unknown,
  { url, timeoutMs }: { url: string; timeoutMs: number },
): Error {
  const e = err as { name?: string; code?: string; cause?: unknown } | undefined;
  if (e && (e.name === 'TimeoutError' || e.name === 'AbortError')) {
    const seconds = Math.round(timeoutMs / 100) / 10;
    return new PagerDutyActionsUnavailableError(
      `no answer from pagerduty-actions at ${url} within ${seconds} s; check the server's ` +
        'health (GET /readyz) and its log, and raise pagerdutyActions.timeoutSeconds if ' +
        'PagerDuty is slow. Re-running the step is safe: it sends the same Idempotency-Key',
    );
  }
  const cause = (e && e.cause ? e.cause : e) as { code?: string; name?: string } | undefined;
  const code = (cause && (cause.code || cause.name)) || 'connection failed';
  return new PagerDutyActionsUnavailableError(
    `cannot reach pagerduty-actions at ${url} (${code}); check that the server is running ` +
      'and that pagerdutyActions.baseUrl in app-config is right and reachable from Backstage',
  );
}
