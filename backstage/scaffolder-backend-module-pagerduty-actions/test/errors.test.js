'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { createHandler } = require('../src/actions');
const { PagerDutyActionsClient } = require('../src/client');
const { startFakeServer, fakeContext, deadUrl } = require('./helpers');

const TOKEN = 'secret-token-never-shown';
const ACTION = 'pagerduty:service:create';

async function runAgainst(respond, clientOptions = {}) {
  const server = await startFakeServer(respond);
  try {
    const client = new PagerDutyActionsClient({ baseUrl: server.baseUrl, token: TOKEN, ...clientOptions });
    const ctx = fakeContext();
    const error = await createHandler({ client, actionId: ACTION })(ctx).then(
      () => assert.fail('the step should fail'),
      e => e,
    );
    return { error, ctx, server };
  } finally {
    await server.close();
  }
}

test('our error body fails the step with our error name and message', async () => {
  const { error, ctx } = await runAgainst(() => ({
    status: 502,
    body: {
      error: {
        name: 'UpstreamError',
        message: 'PagerDuty answered 500 creating the service. Rolled back: nothing was created.',
        upstream: { status: 500 },
      },
      response: { statusCode: 502 },
    },
  }));
  assert.equal(error.name, 'UpstreamError');
  assert.equal(error.message, 'PagerDuty answered 500 creating the service. Rolled back: nothing was created.');
  assert.equal(error.statusCode, 502);
  assert.deepEqual(ctx.outputs, {});
});

test('input errors list each problem with its path', async () => {
  const { error } = await runAgainst(() => ({
    status: 400,
    body: {
      error: {
        name: 'InputError',
        message: 'invalid input for pagerduty:service:create',
        details: [{ path: '$.name', message: "'name' is a required property" }],
      },
      response: { statusCode: 400 },
    },
  }));
  assert.equal(error.name, 'InputError');
  assert.match(error.message, /invalid input for pagerduty:service:create\n {2}\$\.name: 'name' is a required property/);
});

test('401 adds what to check, never the token', async () => {
  const { error } = await runAgainst(() => ({
    status: 401,
    body: { error: { name: 'AuthenticationError', message: 'unknown bearer token' }, response: { statusCode: 401 } },
  }));
  assert.equal(error.name, 'AuthenticationError');
  assert.match(error.message, /pagerdutyActions\.token/);
  assert.ok(!error.message.includes(TOKEN));
  assert.ok(!JSON.stringify(error).includes(TOKEN));
});

test('an answer that is not ours names the URL and says to check baseUrl', async () => {
  const { error, server } = await runAgainst(() => ({ status: 502, raw: '<html>Bad Gateway</html>' }));
  assert.equal(error.name, 'PagerDutyActionsUnavailableError');
  assert.ok(error.message.includes(`${server.baseUrl}/v2/actions/pagerduty:service:create`));
  assert.match(error.message, /HTTP 502/);
  assert.match(error.message, /pagerdutyActions\.baseUrl/);
});

test('a server that does not answer in time: timeout message with the URL and a safe retry', async () => {
  const { error, server } = await runAgainst(() => ({ body: {}, delayMs: 2000 }), { timeoutMs: 100 });
  assert.equal(error.name, 'PagerDutyActionsUnavailableError');
  assert.ok(error.message.includes(server.baseUrl));
  assert.match(error.message, /within 0\.1 s/);
  assert.match(error.message, /readyz/);
  assert.match(error.message, /Idempotency-Key/);
});

test('a server that is down: the message names the URL and what to check', async () => {
  const baseUrl = await deadUrl();
  const client = new PagerDutyActionsClient({ baseUrl, token: TOKEN });
  const error = await createHandler({ client, actionId: ACTION })(fakeContext()).then(
    () => assert.fail('the step should fail'),
    e => e,
  );
  assert.equal(error.name, 'PagerDutyActionsUnavailableError');
  assert.ok(error.message.includes(`cannot reach pagerduty-actions at ${baseUrl}/v2/actions/`));
  assert.match(error.message, /ECONNREFUSED/);
  assert.match(error.message, /pagerdutyActions\.baseUrl/);
  assert.ok(!error.message.includes(TOKEN));
});

test('the client never shows its token when inspected', () => {
  const client = new PagerDutyActionsClient({ baseUrl: 'http://127.0.0.1:1', token: TOKEN });
  assert.ok(!require('node:util').inspect(client).includes(TOKEN));
  assert.ok(!JSON.stringify(client).includes(TOKEN));
});
