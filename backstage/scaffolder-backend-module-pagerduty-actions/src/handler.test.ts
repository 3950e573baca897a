import { createHandler } from './actions';
import { PagerDutyActionsClient } from './client';
import { startFakeServer, stepContext, TASK_ID, FakeServer } from './__testUtils__/fakes';

const TOKEN = 'backstage-module-token-123';
const ACTION = 'pagerduty:service:create';

function okBody(dryRun = false) {
  return {
    output: {
      serviceId: 'PSVC123',
      serviceUrl: 'https://x.pagerduty.com/service-directory/PSVC123',
      integrationKey: 'k'.repeat(32),
      account: 'default',
    },
    log: [
      { level: 'info', message: 'created service PSVC123' },
      { level: 'warn', message: 'time grouping not available; skipped' },
    ],
    dryRun,
  };
}

describe('a step run', () => {
  let server: FakeServer;
  afterEach(() => server?.close());

  it('posts the input with token, Idempotency-Key, initiator, task and step', async () => {
    server = await startFakeServer(() => ({ body: okBody() }));
    const client = new PagerDutyActionsClient({ baseUrl: `${server.baseUrl}/`, token: TOKEN });
    const step = stepContext();
    await createHandler({ client, actionId: ACTION })(step.ctx);

    expect(server.requests).toHaveLength(1);
    const [req] = server.requests;
    expect(req.method).toBe('POST');
    expect(req.url).toBe('/v2/actions/pagerduty:service:create');
    expect(req.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(req.headers['content-type']).toBe('application/json');
    expect(req.headers['idempotency-key']).toMatch(
      new RegExp(`^backstage:${TASK_ID}:pagerduty:[0-9a-f]{32}$`),
    );
    expect(req.headers['x-backstage-initiator']).toBe('user:default/jane');
    expect(req.headers['x-backstage-task-id']).toBe(TASK_ID);
    expect(req.headers['x-backstage-step-id']).toBe('pagerduty');
    expect(JSON.parse(req.body)).toEqual(step.ctx.input);
    expect(step.outputs()).toEqual(okBody().output);
    expect(step.logs()).toContainEqual({ level: 'info', message: 'created service PSVC123' });
    expect(step.logs()).toContainEqual({
      level: 'warn',
      message: 'time grouping not available; skipped',
    });
    expect(JSON.stringify(step.logs())).not.toContain(TOKEN);
  });

  it('in a dry run asks our server for a plan with ?dryRun=true and outputs it', async () => {
    server = await startFakeServer(() => ({
      body: { output: { plan: [{ method: 'POST', path: '/services' }] }, log: [], dryRun: true },
    }));
    const client = new PagerDutyActionsClient({ baseUrl: server.baseUrl, token: TOKEN });
    const step = stepContext({ isDryRun: true, task: { id: 'dry-run-1234' } });
    await createHandler({ client, actionId: ACTION })(step.ctx);
    expect(server.requests[0].url).toBe('/v2/actions/pagerduty:service:create?dryRun=true');
    expect(step.outputs().plan).toEqual([{ method: 'POST', path: '/services' }]);
    expect(step.logs().some(l => l.message.includes('(dry run: plan only, no writes)'))).toBe(
      true,
    );
  });

  it('that is real never sends dryRun, nor a token it does not have', async () => {
    server = await startFakeServer(() => ({ body: okBody() }));
    const client = new PagerDutyActionsClient({ baseUrl: server.baseUrl });
    await createHandler({ client, actionId: ACTION })(stepContext({ isDryRun: false }).ctx);
    expect(server.requests[0].url).not.toContain('dryRun');
    expect(server.requests[0].headers.authorization).toBeUndefined();
  });

  it('again sends the same key; an each: item (other input) another', async () => {
    server = await startFakeServer(() => ({ body: okBody() }));
    const client = new PagerDutyActionsClient({ baseUrl: server.baseUrl, token: TOKEN });
    const handler = createHandler({ client, actionId: ACTION });
    await handler(stepContext({ user: undefined }).ctx);
    await handler(stepContext({ user: undefined }).ctx);
    await handler(
      stepContext({ user: undefined, input: { name: 'other', escalationPolicyName: 'Default' } })
        .ctx,
    );
    const [first, retry, item] = server.requests.map(r => r.headers['idempotency-key']);
    expect(first).toBe(retry);
    expect(item).not.toBe(first);
    expect(server.requests[0].headers['x-backstage-initiator']).toBeUndefined();
  });

  it('says a replayed answer is one in the step log; a fresh one not', async () => {
    server = await startFakeServer(req => ({
      body: okBody(),
      headers: String(req.headers['idempotency-key']).includes(':again:')
        ? { 'idempotent-replayed': 'true' }
        : undefined,
    }));
    const client = new PagerDutyActionsClient({ baseUrl: server.baseUrl });
    const handler = createHandler({ client, actionId: ACTION });
    const replayed = stepContext({ step: { id: 'again' } });
    await handler(replayed.ctx);
    expect(replayed.logs().some(l => l.message.includes('replayed the answer'))).toBe(true);
    expect(replayed.outputs().serviceId).toBe('PSVC123');
    const fresh = stepContext();
    await handler(fresh.ctx);
    expect(fresh.logs().some(l => l.message.includes('replayed'))).toBe(false);
  });

  it('without a step id keys on the action id and the rendered input', async () => {
    server = await startFakeServer(() => ({ body: okBody() }));
    const client = new PagerDutyActionsClient({ baseUrl: server.baseUrl, token: TOKEN });
    const handler = createHandler({ client, actionId: ACTION });
    await handler(stepContext({ step: undefined, input: { name: 'a' } }).ctx);
    await handler(stepContext({ step: undefined, input: { name: 'b' } }).ctx);
    const [a, b] = server.requests.map(r => String(r.headers['idempotency-key']));
    expect(a).not.toBe(b);
    expect(a).toContain(':pagerduty:service:create:');
  });

  it('leaves the step header out without a step, and keeps it printable', async () => {
    server = await startFakeServer(() => ({ body: okBody() }));
    const client = new PagerDutyActionsClient({ baseUrl: server.baseUrl });
    const handler = createHandler({ client, actionId: ACTION });
    await handler(stepContext({ step: undefined }).ctx);
    await handler(stepContext({ step: { id: 'créer\nservice' } }).ctx);
    const [noStep, odd] = server.requests.map(r => r.headers);
    expect(noStep['x-backstage-step-id']).toBeUndefined();
    expect(noStep['x-backstage-task-id']).toBe(TASK_ID);
    expect(odd['x-backstage-step-id']).toBe('cr?er?service');
  });

  it('writes odd log lines as text at info, never failing on them', async () => {
    server = await startFakeServer(() => ({
      body: { output: {}, log: ['plain text', null, { level: 'shout', message: 'loud' }] },
    }));
    const client = new PagerDutyActionsClient({ baseUrl: server.baseUrl });
    const step = stepContext();
    await createHandler({ client, actionId: ACTION })(step.ctx);
    expect(step.logs()).toEqual(
      expect.arrayContaining([
        { level: 'info', message: 'plain text' },
        { level: 'info', message: '' },
        { level: 'info', message: 'loud' },
      ]),
    );
  });
});
