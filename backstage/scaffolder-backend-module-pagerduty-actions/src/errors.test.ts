import { inspect } from 'node:util';
import { createHandler } from './actions';
import { PagerDutyActionsClient, PagerDutyActionsClientOptions } from './client';
import { parseRetryAfter } from './errors';
import { deadUrl, FakeAnswer, startFakeServer, stepContext } from './__testUtils__/fakes';

const TOKEN = 'secret-token-never-shown';
const ACTION = 'pagerduty:service:create';

/** Run one step against a server answering `respond`; the step must fail. */
async function failingRun(
  respond: () => FakeAnswer,
  clientOptions: Partial<PagerDutyActionsClientOptions> = {},
) {
  const server = await startFakeServer(respond);
  try {
    const client = new PagerDutyActionsClient({
      baseUrl: server.baseUrl,
      token: TOKEN,
      ...clientOptions,
    });
    const step = stepContext();
    const error = await createHandler({ client, actionId: ACTION })(step.ctx).then(
      () => {
        throw new Error('the step should fail');
      },
      (e: any) => e,
    );
    return { error, step, server };
  } finally {
    await server.close();
  }
}

describe('a failed step', () => {
  it('carries our error name and message, and outputs nothing', async () => {
    const { error, step } = await failingRun(() => ({
      status: 502,
      body: {
        error: {
          name: 'UpstreamError',
          message:
            'PagerDuty answered 500 creating the service. Rolled back: nothing was created.',
          upstream: { status: 500 },
        },
        response: { statusCode: 502 },
      },
    }));
    expect(error.name).toBe('UpstreamError');
    expect(error.message).toBe(
      'PagerDuty answered 500 creating the service. Rolled back: nothing was created.',
    );
    expect(error.statusCode).toBe(502);
    expect(error.upstream).toEqual({ status: 500 });
    expect(step.outputs()).toEqual({});
  });

  it('lists each input problem with its path', async () => {
    const { error } = await failingRun(() => ({
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
    expect(error.name).toBe('InputError');
    expect(error.message).toBe(
      "invalid input for pagerduty:service:create\n  $.name: 'name' is a required property",
    );
  });

  it('shows at most 20 input problems and counts the rest', async () => {
    const details = Array.from({ length: 25 }, (_, i) => ({ path: `$.x${i}`, message: 'bad' }));
    const { error } = await failingRun(() => ({
      status: 400,
      body: { error: { name: 'InputError', message: 'invalid input', details } },
    }));
    expect(error.message.split('\n')).toHaveLength(1 + 20 + 1);
    expect(error.message).toMatch(/\.\.\. and 5 more$/);
  });

  it('on 401 says what to check, never the token', async () => {
    const { error } = await failingRun(() => ({
      status: 401,
      body: {
        error: { name: 'AuthenticationError', message: 'unknown bearer token' },
        response: { statusCode: 401 },
      },
    }));
    expect(error.name).toBe('AuthenticationError');
    expect(error.message).toMatch(/pagerdutyActions\.token/);
    expect(error.message).not.toContain(TOKEN);
    expect(JSON.stringify(error)).not.toContain(TOKEN);
  });

  it('on an answer that is not ours names the URL and says to check baseUrl', async () => {
    const { error, server } = await failingRun(() => ({
      status: 502,
      raw: '<html>Bad Gateway</html>',
    }));
    expect(error.name).toBe('PagerDutyActionsUnavailableError');
    expect(error.message).toContain(`${server.baseUrl}/v2/actions/pagerduty:service:create`);
    expect(error.message).toMatch(/HTTP 502 .*\(<html>Bad Gateway<\/html>\)/);
    expect(error.message).toMatch(/pagerdutyActions\.baseUrl/);
  });

  it('on a 200 that is not JSON says so the same way', async () => {
    const { error } = await failingRun(() => ({ status: 200, raw: 'OK' }));
    expect(error.name).toBe('PagerDutyActionsUnavailableError');
    expect(error.message).toMatch(/answered HTTP 200 without a pagerduty-actions error body/);
  });

  it('when no answer comes in time: the URL, the limit, and that a retry is safe', async () => {
    const { error, server } = await failingRun(() => ({ body: {}, delayMs: 2000 }), {
      timeoutMs: 100,
    });
    expect(error.name).toBe('PagerDutyActionsUnavailableError');
    expect(error.message).toContain(server.baseUrl);
    expect(error.message).toMatch(/within 0\.1 s/);
    expect(error.message).toMatch(/readyz/);
    expect(error.message).toMatch(/Idempotency-Key/);
  });

  it('when the server is down: the URL, the cause and what to check', async () => {
    const baseUrl = await deadUrl();
    const client = new PagerDutyActionsClient({ baseUrl, token: TOKEN });
    const failure = createHandler({ client, actionId: ACTION })(stepContext().ctx);
    await expect(failure).rejects.toMatchObject({ name: 'PagerDutyActionsUnavailableError' });
    const error = await failure.catch(e => e);
    expect(error.message).toContain(`cannot reach pagerduty-actions at ${baseUrl}/v2/actions/`);
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect(error.message).toMatch(/pagerdutyActions\.baseUrl/);
    expect(error.message).not.toContain(TOKEN);
  });
});

describe('the client', () => {
  it('never shows its token when inspected or serialized', () => {
    const client = new PagerDutyActionsClient({ baseUrl: 'http://127.0.0.1:1', token: TOKEN });
    expect(inspect(client)).not.toContain(TOKEN);
    expect(JSON.stringify(client)).not.toContain(TOKEN);
  });

  it('needs a base URL', () => {
    expect(() => new PagerDutyActionsClient({ baseUrl: '' })).toThrow(
      'pagerdutyActions.baseUrl is required',
    );
  });
});

describe('Retry-After', () => {
  it('is read as seconds or an HTTP date, else not said', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(null)).toBeUndefined();
    expect(parseRetryAfter('soon')).toBeUndefined();
    const inTenSeconds = new Date(Date.now() + 10_000).toUTCString();
    expect(parseRetryAfter(inTenSeconds)).toBeGreaterThan(8000);
    expect(parseRetryAfter(new Date(0).toUTCString())).toBe(0);
  });
});
