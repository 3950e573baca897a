'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { createHandler } = require('../src/actions');
const { PagerDutyActionsClient } = require('../src/client');
const { startFakeServer, fakeContext } = require('./helpers');

const ACTION = 'pagerduty:service:create';

function stillRunning(retryAfter) {
  return {
    status: 409,
    headers: retryAfter === undefined ? {} : { 'retry-after': retryAfter },
    body: {
      error: {
        name: 'ConflictError',
        message: "a request with Idempotency-Key 'k' is still running; retry in 1 s",
        retryable: true,
      },
      response: { statusCode: 409 },
    },
  };
}

const done = { body: { output: { serviceId: 'PSVC123' }, log: [], dryRun: false } };

test('a 409 retryable is asked again after Retry-After, with the same key, until replayed', async t => {
  const answers = [stillRunning('1'), stillRunning('0'), done];
  const server = await startFakeServer(() => answers.shift());
  t.after(server.close);
  const client = new PagerDutyActionsClient({ baseUrl: server.baseUrl, token: 't'.repeat(20) });
  const ctx = fakeContext();
  await createHandler({ client, actionId: ACTION })(ctx);
  assert.equal(server.requests.length, 3);
  const keys = new Set(server.requests.map(r => r.headers['idempotency-key']));
  assert.equal(keys.size, 1);
  assert.deepEqual(ctx.outputs, { serviceId: 'PSVC123' });
  const waits = ctx.logs.filter(l => l.message.includes('asking again in')).map(l => l.message);
  assert.equal(waits.length, 2);
  assert.match(waits[0], /still running; retry in 1 s; asking again in 1 s \(same Idempotency-Key/);
  assert.match(waits[1], /asking again in 0 s/);
});

test('a 409 that is not retryable fails the step at once', async t => {
  const server = await startFakeServer(() => ({
    status: 409,
    body: {
      error: { name: 'ConflictError', message: "Idempotency-Key 'k' was already used with different input" },
      response: { statusCode: 409 },
    },
  }));
  t.after(server.close);
  const client = new PagerDutyActionsClient({ baseUrl: server.baseUrl });
  await assert.rejects(createHandler({ client, actionId: ACTION })(fakeContext()), {
    name: 'ConflictError',
    message: /different input/,
  });
  assert.equal(server.requests.length, 1);
});

test('no retry that would end past the time limit: the step fails with the server words', async t => {
  const server = await startFakeServer(() => stillRunning('30'));
  t.after(server.close);
  const client = new PagerDutyActionsClient({ baseUrl: server.baseUrl, timeoutMs: 5000 });
  await assert.rejects(client.runAction(ACTION, {}, { idempotencyKey: 'k' }), {
    name: 'ConflictError',
    message: /still running/,
  });
  assert.equal(server.requests.length, 1);
});

test('a 409 retryable without Retry-After waits the default; cancelling stops the wait', async t => {
  const server = await startFakeServer(() => stillRunning(undefined));
  t.after(server.close);
  const client = new PagerDutyActionsClient({ baseUrl: server.baseUrl });
  const cancel = new AbortController();
  const waits = [];
  const run = client.runAction(ACTION, {}, {
    idempotencyKey: 'k',
    signal: cancel.signal,
    onRetry: (_err, waitMs) => {
      waits.push(waitMs);
      cancel.abort();
    },
  });
  await assert.rejects(run, /cancelled while waiting/);
  assert.deepEqual(waits, [2000]);
  assert.equal(server.requests.length, 1);
});
