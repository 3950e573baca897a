'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { idempotencyKey, stableStringify, MAX_KEY_LENGTH } = require('../src/idempotency');

const taskId = '2f1c7c1e-5d8e-4a53-9d8e-0c2b1a7e5f00';
const input = { name: 'checkout-api', escalationPolicyName: 'Default' };

test('the same task, step and rendered input always give the same key', () => {
  const a = idempotencyKey({ taskId, stepId: 'pagerduty', actionId: 'x:y', input });
  const b = idempotencyKey({ taskId, stepId: 'pagerduty', actionId: 'x:y', input: { ...input } });
  assert.equal(a, b);
  assert.match(a, new RegExp(`^backstage:${taskId}:pagerduty:[0-9a-f]{32}$`));
});

test('another task or another step gets another key', () => {
  const base = idempotencyKey({ taskId, stepId: 'pagerduty', input });
  assert.notEqual(base, idempotencyKey({ taskId: 'other-task', stepId: 'pagerduty', input }));
  assert.notEqual(base, idempotencyKey({ taskId, stepId: 'pagerduty-2', input }));
});

test('each: items of one step (same step id, other input) get their own keys', () => {
  const first = idempotencyKey({ taskId, stepId: 'svc', input: { name: 'a' } });
  const second = idempotencyKey({ taskId, stepId: 'svc', input: { name: 'b' } });
  assert.notEqual(first, second);
});

test('without a step id: the action id stands in; key order of the input is ignored', () => {
  const one = idempotencyKey({ taskId, actionId: 'pagerduty:service:create', input: { a: 1, b: [1, { c: 2, d: 3 }] } });
  const same = idempotencyKey({ taskId, actionId: 'pagerduty:service:create', input: { b: [1, { d: 3, c: 2 }], a: 1 } });
  const other = idempotencyKey({ taskId, actionId: 'pagerduty:service:create', input: { a: 2 } });
  assert.equal(one, same);
  assert.notEqual(one, other);
  assert.match(one, new RegExp(`^backstage:${taskId}:pagerduty:service:create:[0-9a-f]{32}$`));
});

test('odd or long step ids are hashed; the key stays printable and short', () => {
  const key = idempotencyKey({ taskId, stepId: 'ünïcode step\nwith newline' });
  assert.match(key, /^[\x21-\x7e]+$/);
  const long = idempotencyKey({ taskId: 'x'.repeat(300), stepId: 'y'.repeat(300) });
  assert.ok(long.length <= MAX_KEY_LENGTH);
  assert.notEqual(long, idempotencyKey({ taskId: 'x'.repeat(300), stepId: 'z'.repeat(300) }));
});

test('a key needs a task id', () => {
  assert.throws(() => idempotencyKey({ stepId: 's' }), /task id/);
});

test('stableStringify drops undefined values like JSON does', () => {
  assert.equal(stableStringify({ b: undefined, a: null }), '{"a":null}');
});
