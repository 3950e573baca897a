'use strict';

/**
 * The Idempotency-Key each step sends, so Backstage task recovery and retries of the same step
 * replay our first answer instead of creating a second PagerDuty service.
 *
 * The key is a pure function of what stays the same when Backstage runs a step again: the task
 * id and the step id. Where Backstage gives no step id, the action id and a hash of the
 * rendered input stand in for it. A step inside `each:` runs once per item with the same step
 * id, so when the caller passes the item's index it is part of the key too.
 */

const crypto = require('node:crypto');

const MAX_KEY_LENGTH = 255;

/** JSON with object keys sorted, so equal inputs hash the same whatever their key order. */
function stableStringify(value) {
  if (value === null || typeof value !== 'object') {
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) {
    return `[${value.map(stableStringify).join(',')}]`;
  }
  const keys = Object.keys(value)
    .filter(k => value[k] !== undefined)
    .sort();
  return `{${keys.map(k => `${JSON.stringify(k)}:${stableStringify(value[k])}`).join(',')}}`;
}

/** First 32 hex digits of SHA-256: short, and collisions need 2^64 tries. */
function shortHash(text) {
  return crypto.createHash('sha256').update(text).digest('hex').slice(0, 32);
}

/** Keep a key part printable and free of the separator; hash it when it is long or odd. */
function part(value) {
  const text = String(value);
  return /^[A-Za-z0-9._@:/-]{1,80}$/.test(text) ? text : `h${shortHash(text)}`;
}

/**
 * @param {{taskId: string, stepId?: string, actionId: string, input?: unknown,
 *   iteration?: string | number}} source
 * @returns {string} a key of at most 255 printable characters
 */
function idempotencyKey({ taskId, stepId, actionId, input, iteration }) {
  if (!taskId) {
    throw new Error('an Idempotency-Key needs the task id');
  }
  const parts = ['backstage', part(taskId)];
  if (stepId) {
    parts.push(part(stepId));
    if (iteration !== undefined && iteration !== null) {
      parts.push(`each-${part(iteration)}`);
    }
  } else {
    parts.push(part(actionId), shortHash(stableStringify(input ?? {})));
  }
  const key = parts.join(':');
  return key.length <= MAX_KEY_LENGTH ? key : `backstage:${shortHash(key)}`;
}

module.exports = { idempotencyKey, stableStringify, MAX_KEY_LENGTH };
