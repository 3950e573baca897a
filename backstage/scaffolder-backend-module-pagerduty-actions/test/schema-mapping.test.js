'use strict';

const test = require('node:test');
const assert = require('node:assert/strict');
const { toActionSpec, createPagerDutyActions } = require('../src/actions');
const { loadBundledManifest } = require('../src/manifest');
const { PagerDutyActionsClient } = require('../src/client');

const bundled = loadBundledManifest();

test('every bundled action keeps its id, description, examples and schemas', () => {
  assert.ok(bundled.actions.length >= 1);
  for (const action of bundled.actions) {
    const spec = toActionSpec(action);
    assert.equal(spec.id, action.id);
    assert.equal(spec.description, action.description);
    assert.deepEqual(spec.schema.input, action.schema.input);
    assert.deepEqual(spec.schema.output, action.schema.output);
    assert.deepEqual(spec.examples, action.examples);
    assert.equal(spec.supportsDryRun, true);
  }
});

test('service create keeps the inputs and outputs of PagerDuty plugin', () => {
  const action = bundled.actions.find(a => a.id === 'pagerduty:service:create');
  const spec = toActionSpec(action);
  for (const name of ['name', 'description', 'escalationPolicyId', 'alertGrouping', 'account']) {
    assert.ok(name in spec.schema.input.properties, `input ${name}`);
  }
  for (const name of ['serviceUrl', 'serviceId', 'integrationKey', 'account']) {
    assert.ok(name in spec.schema.output.properties, `output ${name}`);
  }
});

test('the mapped schema is a copy: changing it leaves the manifest alone', () => {
  const action = bundled.actions[0];
  const spec = toActionSpec(action);
  spec.schema.input.title = 'changed';
  assert.notEqual(action.schema.input.title, 'changed');
});

test('an action without schemas takes any object; odd examples are dropped', () => {
  const spec = toActionSpec({
    id: 'pagerduty:thing:new',
    examples: [{ description: 'ok', example: 'steps: []' }, { description: 'no text' }, null],
  });
  assert.deepEqual(spec.schema, { input: { type: 'object' }, output: { type: 'object' } });
  assert.deepEqual(spec.examples, [{ description: 'ok', example: 'steps: []' }]);
  assert.equal(spec.description, 'pagerduty:thing:new (pagerduty-actions)');
});

test('supportsDryRun false on the server stays false', () => {
  assert.equal(toActionSpec({ id: 'a:b', supportsDryRun: false }).supportsDryRun, false);
});

test('one native action per id, each with a handler', () => {
  const client = new PagerDutyActionsClient({ baseUrl: 'http://127.0.0.1:1' });
  const actions = createPagerDutyActions({
    actions: [{ id: 'a:one' }, { id: 'a:two' }, { id: 'a:one' }],
    client,
  });
  assert.deepEqual(
    actions.map(a => a.id),
    ['a:one', 'a:two'],
  );
  for (const action of actions) assert.equal(typeof action.handler, 'function');
});
