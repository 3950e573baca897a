'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { setupPagerDutyActions } = require('../src/setup');
const { loadBundledManifest } = require('../src/manifest');
const { readModuleConfig } = require('../src/config');
const { startFakeServer, deadUrl, fakeConfig } = require('./helpers');

function recordingLogger() {
  const lines = [];
  return { lines, info: m => lines.push(['info', m]), warn: m => lines.push(['warn', m]) };
}

test('server down at start-up: the bundled actions are registered and a warning says why', async () => {
  const baseUrl = await deadUrl();
  const logger = recordingLogger();
  const { actions, source } = await setupPagerDutyActions({
    config: fakeConfig({ pagerdutyActions: { baseUrl, token: 'tok-12345678' } }),
    logger,
  });
  assert.equal(source, 'bundled');
  assert.deepEqual(
    actions.map(a => a.id),
    loadBundledManifest().actions.map(a => a.id),
  );
  const warning = logger.lines.find(([level]) => level === 'warn');
  assert.ok(warning, 'a warning is logged');
  assert.ok(warning[1].includes(baseUrl));
  assert.ok(!warning[1].includes('tok-12345678'));
});

test('server up at start-up: its list wins, so new actions appear with no release', async t => {
  const server = await startFakeServer(req => {
    assert.equal(req.url, '/v2/actions');
    assert.equal(req.headers.authorization, 'Bearer tok-12345678');
    return {
      body: [
        { id: 'pagerduty:service:create', description: 'create', schema: { input: { type: 'object' } } },
        { id: 'pagerduty:entity:annotate', description: 'annotate', examples: [] },
      ],
    };
  });
  t.after(server.close);
  const { actions, source } = await setupPagerDutyActions({
    config: fakeConfig({ pagerdutyActions: { baseUrl: server.baseUrl, token: 'tok-12345678' } }),
    logger: recordingLogger(),
  });
  assert.equal(source, 'server');
  assert.deepEqual(
    actions.map(a => a.id),
    ['pagerduty:service:create', 'pagerduty:entity:annotate'],
  );
});

test('a slow server at start-up does not hold Backstage: bundled after the start-up limit', async t => {
  const server = await startFakeServer(() => ({ body: [], delayMs: 3000 }));
  t.after(server.close);
  const started = Date.now();
  const { source } = await setupPagerDutyActions({
    config: fakeConfig({ pagerdutyActions: { baseUrl: server.baseUrl, startupTimeoutSeconds: 0.2 } }),
    logger: recordingLogger(),
  });
  assert.equal(source, 'bundled');
  assert.ok(Date.now() - started < 2000);
});

test('a server answering garbage at start-up falls back to the bundled list', async t => {
  const server = await startFakeServer(() => ({ body: { not: 'a list' } }));
  t.after(server.close);
  const { source } = await setupPagerDutyActions({
    config: fakeConfig({ pagerdutyActions: { baseUrl: server.baseUrl } }),
    logger: recordingLogger(),
  });
  assert.equal(source, 'bundled');
});

test('refreshAtStartup false never calls the server', async t => {
  const server = await startFakeServer(() => ({ body: [] }));
  t.after(server.close);
  const { source } = await setupPagerDutyActions({
    config: fakeConfig({ pagerdutyActions: { baseUrl: server.baseUrl, refreshAtStartup: false } }),
    logger: recordingLogger(),
  });
  assert.equal(source, 'bundled');
  assert.equal(server.requests.length, 0);
});

test('config: baseUrl is required and must be http(s); timeouts must be positive', () => {
  assert.throws(() => readModuleConfig(fakeConfig({})), /pagerdutyActions\.baseUrl is missing/);
  assert.throws(
    () => readModuleConfig(fakeConfig({ pagerdutyActions: { baseUrl: 'ftp://x' } })),
    /http\(s\) URL/,
  );
  assert.throws(
    () => readModuleConfig(fakeConfig({ pagerdutyActions: { baseUrl: 'http://x', timeoutSeconds: 0 } })),
    /positive/,
  );
  const settings = readModuleConfig(
    fakeConfig({ pagerdutyActions: { baseUrl: 'http://x:7077/', token: 'tok-12345678' } }),
  );
  assert.equal(settings.baseUrl, 'http://x:7077');
  assert.equal(settings.timeoutMs, 120000);
  assert.equal(settings.token, 'tok-12345678');
  assert.ok(!JSON.stringify(settings).includes('tok-12345678'));
});
