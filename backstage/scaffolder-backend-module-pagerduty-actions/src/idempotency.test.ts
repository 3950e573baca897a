import { idempotencyKey, MAX_KEY_LENGTH, stableStringify } from './idempotency';

const taskId = '2f1c7c1e-5d8e-4a53-9d8e-0c2b1a7e5f00';
const input = { name: 'checkout-api', escalationPolicyName: 'Default' };

describe('idempotencyKey', () => {
  it('is the same for the same task, step and rendered input', () => {
    const a = idempotencyKey({ taskId, stepId: 'pagerduty', actionId: 'x:y', input });
    const b = idempotencyKey({ taskId, stepId: 'pagerduty', actionId: 'x:y', input: { ...input } });
    expect(a).toBe(b);
    expect(a).toMatch(new RegExp(`^backstage:${taskId}:pagerduty:[0-9a-f]{32}$`));
  });

  it('differs for another task or another step', () => {
    const base = idempotencyKey({ taskId, stepId: 'pagerduty', input });
    expect(idempotencyKey({ taskId: 'other-task', stepId: 'pagerduty', input })).not.toBe(base);
    expect(idempotencyKey({ taskId, stepId: 'pagerduty-2', input })).not.toBe(base);
  });

  it('differs for each: items of one step (same step id, other input)', () => {
    const first = idempotencyKey({ taskId, stepId: 'svc', input: { name: 'a' } });
    const second = idempotencyKey({ taskId, stepId: 'svc', input: { name: 'b' } });
    expect(first).not.toBe(second);
  });

  it('uses the action id without a step id, and ignores key order of the input', () => {
    const actionId = 'pagerduty:service:create';
    const one = idempotencyKey({ taskId, actionId, input: { a: 1, b: [1, { c: 2, d: 3 }] } });
    const same = idempotencyKey({ taskId, actionId, input: { b: [1, { d: 3, c: 2 }], a: 1 } });
    const other = idempotencyKey({ taskId, actionId, input: { a: 2 } });
    expect(one).toBe(same);
    expect(one).not.toBe(other);
    expect(one).toMatch(new RegExp(`^backstage:${taskId}:pagerduty:service:create:[0-9a-f]{32}$`));
  });

  it('hashes odd or long parts, so the key stays printable and short', () => {
    const key = idempotencyKey({ taskId, stepId: 'ünïcode step\nwith newline' });
    expect(key).toMatch(/^[\x21-\x7e]+$/);
    const long = idempotencyKey({ taskId: 'x'.repeat(300), stepId: 'y'.repeat(300) });
    expect(long.length).toBeLessThanOrEqual(MAX_KEY_LENGTH);
    expect(long).not.toBe(idempotencyKey({ taskId: 'x'.repeat(300), stepId: 'z'.repeat(300) }));
  });

  it('needs a task id', () => {
    expect(() => idempotencyKey({ stepId: 's' })).toThrow(/task id/);
  });
});

describe('stableStringify', () => {
  it('drops undefined values like JSON does', () => {
    expect(stableStringify({ b: undefined, a: null })).toBe('{"a":null}');
  });
});
