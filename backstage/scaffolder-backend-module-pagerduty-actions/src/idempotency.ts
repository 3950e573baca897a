/**
 * The Idempotency-Key each step sends, so Backstage task recovery and retries of the same step
 * replay our first answer instead of creating a second PagerDuty service.
 *
 * The key is built from what stays the same when Backstage runs a step again: the task id, the
 * step id, and a hash of the step's rendered input. The input is part of it because a step
 * with `each:` runs once per item under the same step id, and Backstage (1.45) tells the
 * handler nothing else about the item; a retry renders the same input again, so it gets the
 * same key. Where Backstage gives no step id, the action id stands in for it.
 */

import { createHash } from 'node:crypto';

/** The longest key our server takes. */
export const MAX_KEY_LENGTH = 255;

/** JSON with object keys sorted, so equal inputs hash the same whatever their key order. */
export function stableStringify(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) {
    return `[${value.map(stableStringify).join(',')}]`;
  }
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter(k => record[k] !== undefined)
    .sort();
  return `{${keys.map(k => `${JSON.stringify(k)}:${stableStringify(record[k])}`).join(',')}}`;
}

/** First 32 hex digits of SHA-256: short, and collisions need 2^64 tries. */
function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/** Keep a key part printable; hash it when it is long or has odd characters. */
function part(value: unknown): string {
  const text = String(value);
  return /^[A-Za-z0-9._@:/-]{1,80}$/.test(text) ? text : `h${shortHash(text)}`;
}

/**
 * What a key is made of.
 *
 * @public
 */
export interface IdempotencyKeySource {
  taskId?: string;
  stepId?: string;
  actionId?: string;
  input?: unknown;
}

/**
 * The Idempotency-Key a step sends: task id + step id (or action id) + rendered input hash; at
 * most 255 printable characters.
 *
 * @public
 */
export function idempotencyKey({ taskId, stepId, actionId, input }: IdempotencyKeySource): string {
  if (!taskId) {
    throw new Error('an Idempotency-Key needs the task id');
  }
  const where = stepId ? part(stepId) : part(actionId ?? 'action');
  const key = ['backstage', part(taskId), where, shortHash(stableStringify(input ?? {}))].join(
    ':',
  );
  return key.length <= MAX_KEY_LENGTH ? key : `backstage:${shortHash(key)}`;
}
