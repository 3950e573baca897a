'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { createHandler } = require('../src/actions');
const { PagerDutyActionsClient } = require('../src/client');
const { startFakeServer, fakeContext } = require('./helpers');

const TOKEN = 'backstage-module-token-123';
const ACTION = 'pagerduty:service:create';

function okBody(dryRun = false) {
  return {
    output: { serviceId: 'PSVC123', serviceUrl: 'https://x.pagerduty.com/service-directory/PSVC123', integrationKey: 'k'.repeat(32), account: 'default' },
    log: [
      { level: 'info', message: 'created service PSVC123' },
      { level: 'warn', message: 'time grouping not available; skipped' },
    ],
    dryRun,
  };
}

test('a step run posts the input with token, Idempotency-Key and initiator', async t => {
  const server = await startFakeServer(() => ({ body: okBody() }));
  t.after(server.close);
  const client = new PagerDutyActionsClient({ baseUrl: `${server.baseUrl}/`, token: TOKEN });
  const ctx = fakeContext();
  await createHandler({ client, actionId: ACTION })(ctx);

  assert.equal(server.requests.length, 1);
  const [req] = server.requests;
  assert.equal(req.method, 'POST');
  assert.equal(req.url, '/v2/actions/pagerduty:service:create');
  assert.equal(req.headers.authorization, `Bearer ${TOKEN}`);
  assert.equal(req.headers['content-type'], 'application/json');
  assert.match(req.headers['idempotency-key'], new RegExp(`^backstage:${ctx.task.id}:pagerduty:`));
  assert.equal(req.headers['x-backstage-initiator'], 'user:default/jane');
  assert.equal(req.headers['x-backstage-task-id'], ctx.task.id);
  assert.equal(req.headers['x-backstage-step-id'], 'pagerduty');
  assert.deepEqual(JSON.parse(req.body), ctx.input);
  assert.deepEqual(ctx.outputs, okBody().output);
  assert.ok(ctx.logs.some(l => l.level === 'info' && l.message === 'created service PSVC123'));
  assert.ok(ctx.logs.some(l => l.level === 'warn' && l.message.includes('time grouping')));
  assert.ok(!JSON.stringify(ctx.logs).includes(TOKEN));
});

test('dry run asks our server for a plan with ?dryRun=true and outputs it', async t => {
  const server = await startFakeServer(() => ({
    body: { output: { plan: [{ method: 'POST', path: '/services' }] }, log: [], dryRun: true },
  }));
  t.after(server.close);
  const client = new PagerDutyActionsClient({ baseUrl: server.baseUrl, token: TOKEN });
  const ctx = fakeContext({ isDryRun: true, task: { id: 'dry-run-1234' } });
  await createHandler({ client, actionId: ACTION })(ctx);
  assert.equal(server.requests[0].url, '/v2/actions/pagerduty:service:create?dryRun=true');
  assert.deepEqual(ctx.outputs.plan, [{ method: 'POST', path: '/services' }]);
  assert.ok(ctx.logs.some(l => l.message.includes('dry run')));
});

test('a real run never sends dryRun', async t => {
  const server = await startFakeServer(() => ({ body: okBody() }));
  t.after(server.close);
  const client = new PagerDutyActionsClient({ baseUrl: server.baseUrl });
  await createHandler({ client, actionId: ACTION })(fakeContext({ isDryRun: false }));
  assert.ok(!server.requests[0].url.includes('dryRun'));
  assert.equal(server.requests[0].headers.authorization, undefined);
});

test('running the same step again sends the same key; an each: item another', async t => {
  const server = await startFakeServer(() => ({ body: okBody() }));
  t.after(server.close);
  const client = new PagerDutyActionsClient({ baseUrl: server.baseUrl, token: TOKEN });
  const handler = createHandler({ client, actionId: ACTION });
  await handler(fakeContext({ user: undefined }));
  await handler(fakeContext({ user: undefined }));
  await handler(fakeContext({ user: undefined, input: { name: 'other', escalationPolicyName: 'Default' } }));
  const [first, retry, item] = server.requests.map(r => r.headers['idempotency-key']);
  assert.equal(first, retry);
  assert.notEqual(first, item);
  assert.equal(server.requests[0].headers['x-backstage-initiator'], undefined);
});

test('a replayed answer is said so in the step log; a fresh one is not', async t => {
  const server = await startFakeServer(req => ({
    body: okBody(),
    headers: req.headers['idempotency-key'].includes(':again:') ? { 'idempotent-replayed': 'true' } : {},
  }));
  t.after(server.close);
  const client = new PagerDutyActionsClient({ baseUrl: server.baseUrl });
  const handler = createHandler({ client, actionId: ACTION });
  const replayed = fakeContext({ step: { id: 'again' } });
  await handler(replayed);
  assert.ok(replayed.logs.some(l => l.message.includes('replayed the answer')));
  assert.equal(replayed.outputs.serviceId, 'PSVC123');
  const fresh = fakeContext();
  await handler(fresh);
  assert.ok(!fresh.logs.some(l => l.message.includes('replayed')));
});

test('without a step id the key hashes the rendered input', async t => {
  const server = await startFakeServer(() => ({ body: okBody() }));
  t.after(server.close);
  const client = new PagerDutyActionsClient({ baseUrl: server.baseUrl, token: TOKEN });
  const handler = createHandler({ client, actionId: ACTION });
  await handler(fakeContext({ step: undefined, input: { name: 'a' } }));
  await handler(fakeContext({ step: undefined, input: { name: 'b' } }));
  const [a, b] = server.requests.map(r => r.headers['idempotency-key']);
  assert.notEqual(a, b);
  assert.ok(a.includes(':pagerduty:service:create:'));
});

test('task and step headers are left out when Backstage gives no step, kept printable', async t => {
  const server = await startFakeServer(() => ({ body: okBody() }));
  t.after(server.close);
  const client = new PagerDutyActionsClient({ baseUrl: server.baseUrl });
  const handler = createHandler({ client, actionId: ACTION });
  await handler(fakeContext({ step: undefined }));
  await handler(fakeContext({ step: { id: 'créer\nservice' } }));
  const [noStep, odd] = server.requests.map(r => r.headers);
  assert.equal(noStep['x-backstage-step-id'], undefined);
  assert.equal(noStep['x-backstage-task-id'], fakeContext().task.id);
  assert.equal(odd['x-backstage-step-id'], 'cr?er?service');
});
