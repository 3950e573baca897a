import { createPagerDutyActions, toActionSpec } from './actions';
import { PagerDutyActionsClient } from './client';
import { loadBundledManifest } from './manifest';

const bundled = loadBundledManifest();
const client = new PagerDutyActionsClient({ baseUrl: 'http://127.0.0.1:1' });

describe('the native action of one of ours', () => {
  it('keeps the id, description, examples and schemas of every bundled action', () => {
    expect(bundled.actions.length).toBeGreaterThanOrEqual(1);
    const actions = createPagerDutyActions({ actions: bundled.actions, client });
    expect(actions.map(a => a.id)).toEqual(bundled.actions.map(a => a.id));
    actions.forEach((native, i) => {
      const ours = bundled.actions[i];
      expect(native.description).toBe(ours.description);
      expect(native.examples).toEqual(ours.examples);
      // Set on what createTemplateAction returns, which drops JSON Schemas it is given.
      expect(native.schema?.input).toEqual(ours.schema?.input);
      expect(native.schema?.output).toEqual(ours.schema?.output);
      expect(native.supportsDryRun).toBe(true);
      expect(typeof native.handler).toBe('function');
    });
  });

  it('keeps the inputs and outputs of PagerDuty plugin for service create', () => {
    const action = bundled.actions.find(a => a.id === 'pagerduty:service:create')!;
    const [native] = createPagerDutyActions({ actions: [action], client });
    const input = native.schema?.input as { properties: Record<string, unknown> };
    const output = native.schema?.output as { properties: Record<string, unknown> };
    for (const name of ['name', 'description', 'escalationPolicyId', 'alertGrouping', 'account']) {
      expect(input.properties).toHaveProperty(name);
    }
    for (const name of ['serviceUrl', 'serviceId', 'integrationKey', 'account']) {
      expect(output.properties).toHaveProperty(name);
    }
  });

  it('has a schema that is a copy: changing it leaves the manifest alone', () => {
    const action = bundled.actions[0];
    const [native] = createPagerDutyActions({ actions: [action], client });
    (native.schema!.input as Record<string, unknown>).title = 'changed';
    expect(action.schema?.input?.title).not.toBe('changed');
  });

  it('takes any object without schemas, and drops odd examples', () => {
    const spec = toActionSpec({
      id: 'pagerduty:thing:new',
      examples: [{ description: 'ok', example: 'steps: []' }, { description: 'no text' }, null],
    });
    expect(spec.schema).toEqual({ input: { type: 'object' }, output: { type: 'object' } });
    expect(spec.examples).toEqual([{ description: 'ok', example: 'steps: []' }]);
    expect(spec.description).toBe('pagerduty:thing:new (pagerduty-actions)');
  });

  it('keeps supportsDryRun false when the server says so', () => {
    expect(toActionSpec({ id: 'a:b', supportsDryRun: false }).supportsDryRun).toBe(false);
  });

  it('is made once per id, each with a handler', () => {
    const actions = createPagerDutyActions({
      actions: [{ id: 'a:one' }, { id: 'a:two' }, { id: 'a:one' }],
      client,
    });
    expect(actions.map(a => a.id)).toEqual(['a:one', 'a:two']);
  });
});
