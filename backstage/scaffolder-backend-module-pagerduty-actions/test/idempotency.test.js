'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { idempotencyKey, stableStringify, MAX_KEY_LENGTH } = require('../src/idempotency');

const taskId = '2f1c7c1e-5d8e-4a53-9d8e-0c2b1a7e5f00';

test('task id and step id make the key; the input does not change it', () => {
  const a = idempotencyKey({ taskId, stepId: 'pagerduty', actionId: 'x:y', input: { a: 1 } });
  const b = idempotencyKey({ taskId, stepId: 'pagerduty', actionId: 'x:y', input: { a: 2 } });
  assert.equal(a, `backstage:${taskId}:pagerduty`);
  assert.equal(a, b);
});

test('another task or another step gets another key', () => {
  const base = idempotencyKey({ taskId, stepId: 'pagerduty', actionId: 'x:y' });
  assert.notEqual(base, idempotencyKey({ taskId: 'other-task', stepId: 'pagerduty' }));
  assert.notEqual(base, idempotencyKey({ taskId, stepId: 'pagerduty-2' }));
});

test('each: items of one step get their own keys', () => {
  const first = idempotencyKey({ taskId, stepId: 'svc', iteration: 0 });
  const second = idempotencyKey({ taskId, stepId: 'svc', iteration: 1 });
  assert.notEqual(first, second);
  assert.equal(first, idempotencyKey({ taskId, stepId: 'svc', iteration: 0 }));
});

test('without a step id: action id and a hash of the rendered input, key order ignored', () => {
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
