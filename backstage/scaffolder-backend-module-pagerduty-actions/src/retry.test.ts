import { createHandler } from './actions';
import { PagerDutyActionsClient } from './client';
import { FakeAnswer, FakeServer, startFakeServer, stepContext } from './__testUtils__/fakes';

const ACTION = 'pagerduty:service:create';

function stillRunning(retryAfter?: string): FakeAnswer {
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

const done: FakeAnswer = { body: { output: { serviceId: 'PSVC123' }, log: [], dryRun: false } };

describe('a 409 retryable (the same key still running)', () => {
  let server: FakeServer;
  afterEach(() => server?.close());

  it('is asked again after Retry-After, with the same key, until replayed', async () => {
    const answers = [stillRunning('1'), stillRunning('0'), done];
    server = await startFakeServer(() => answers.shift());
    const client = new PagerDutyActionsClient({ baseUrl: server.baseUrl, token: 't'.repeat(20) });
    const step = stepContext();
    await createHandler({ client, actionId: ACTION })(step.ctx);
    expect(server.requests).toHaveLength(3);
    expect(new Set(server.requests.map(r => r.headers['idempotency-key'])).size).toBe(1);
    expect(step.outputs()).toEqual({ serviceId: 'PSVC123' });
    const waits = step
      .logs()
      .filter(l => l.message.includes('asking again in'))
      .map(l => l.message);
    expect(waits).toHaveLength(2);
    expect(waits[0]).toMatch(
      /still running; retry in 1 s; asking again in 1 s \(same Idempotency-Key/,
    );
    expect(waits[1]).toMatch(/asking again in 0 s/);
  });

  it('that is not retryable fails the step at once', async () => {
    server = await startFakeServer(() => ({
      status: 409,
      body: {
        error: {
          name: 'ConflictError',
          message: "Idempotency-Key 'k' was already used with different input",
        },
        response: { statusCode: 409 },
      },
    }));
    const client = new PagerDutyActionsClient({ baseUrl: server.baseUrl });
    await expect(
      createHandler({ client, actionId: ACTION })(stepContext().ctx),
    ).rejects.toMatchObject({ name: 'ConflictError', message: expect.stringMatching(/different input/) });
    expect(server.requests).toHaveLength(1);
  });

  it('is not retried when the wait would end past the time limit', async () => {
    server = await startFakeServer(() => stillRunning('30'));
    const client = new PagerDutyActionsClient({ baseUrl: server.baseUrl, timeoutMs: 5000 });
    await expect(client.runAction(ACTION, {}, { idempotencyKey: 'k' })).rejects.toMatchObject({
      name: 'ConflictError',
      message: expect.stringMatching(/still running/),
    });
    expect(server.requests).toHaveLength(1);
  });

  it('without Retry-After waits the default; cancelling the step stops the wait', async () => {
    server = await startFakeServer(() => stillRunning(undefined));
    const client = new PagerDutyActionsClient({ baseUrl: server.baseUrl });
    const cancel = new AbortController();
    const waits: number[] = [];
    const run = client.runAction(ACTION, {}, {
      idempotencyKey: 'k',
      signal: cancel.signal,
      onRetry: (_err, waitMs) => {
        waits.push(waitMs);
        cancel.abort();
      },
    });
    await expect(run).rejects.toThrow(/cancelled while waiting/);
    expect(waits).toEqual([2000]);
    expect(server.requests).toHaveLength(1);
  });

  it('is never asked again once the step is cancelled during the call', async () => {
    server = await startFakeServer(() => ({ ...done, delayMs: 2000 }));
    const client = new PagerDutyActionsClient({ baseUrl: server.baseUrl });
    const cancel = new AbortController();
    const run = client.runAction(ACTION, {}, { signal: cancel.signal });
    setTimeout(() => cancel.abort(), 50);
    await expect(run).rejects.toThrow(/the step was cancelled while calling/);
  });
});
