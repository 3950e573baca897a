import { readModuleConfig } from './config';
import { loadBundledManifest } from './manifest';
import { setupPagerDutyActions } from './setup';
import {
  config,
  deadUrl,
  FakeServer,
  recordingLogger,
  startFakeServer,
} from './__testUtils__/fakes';

const TOKEN = 'tok-12345678';

describe('start-up', () => {
  let server: FakeServer;
  afterEach(() => server?.close());

  it('registers the bundled actions when the server is down, and warns why', async () => {
    const baseUrl = await deadUrl();
    const logger = recordingLogger();
    const { actions, source } = await setupPagerDutyActions({
      config: config({ pagerdutyActions: { baseUrl, token: TOKEN } }),
      logger,
    });
    expect(source).toBe('bundled');
    expect(actions.map(a => a.id)).toEqual(loadBundledManifest().actions.map(a => a.id));
    const warning = logger.lines.find(([level]) => level === 'warn');
    expect(warning?.[1]).toContain(baseUrl);
    expect(warning?.[1]).toMatch(/ECONNREFUSED/);
    expect(warning?.[1]).not.toContain(TOKEN);
  });

  it("registers the server's list when it answers, so new actions need no release", async () => {
    server = await startFakeServer(() => ({
      body: [
        { id: 'pagerduty:service:create', description: 'create', schema: { input: { type: 'object' } } },
        { id: 'pagerduty:incident:trigger', description: 'trigger', examples: [] },
      ],
    }));
    const logger = recordingLogger();
    const { actions, source } = await setupPagerDutyActions({
      config: config({ pagerdutyActions: { baseUrl: server.baseUrl, token: TOKEN } }),
      logger,
    });
    expect(source).toBe('server');
    expect(server.requests[0].url).toBe('/v2/actions');
    expect(server.requests[0].headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(actions.map(a => a.id)).toEqual(['pagerduty:service:create', 'pagerduty:incident:trigger']);
    expect(actions[1].description).toBe('trigger');
    expect(logger.lines).toContainEqual([
      'info',
      `pagerduty-actions: registering 2 action(s) listed by ${server.baseUrl}`,
    ]);
  });

  it('does not hold Backstage for a slow server: bundled after the start-up limit', async () => {
    server = await startFakeServer(() => ({ body: [], delayMs: 3000 }));
    const logger = recordingLogger();
    const { source } = await setupPagerDutyActions({
      config: config({ pagerdutyActions: { baseUrl: server.baseUrl, startupTimeoutSeconds: 0.2 } }),
      logger,
    });
    expect(source).toBe('bundled');
    expect(logger.lines.find(([level]) => level === 'warn')?.[1]).toMatch(/within 0\.2 s/);
  });

  it('falls back to the bundled list when the server answers something else', async () => {
    server = await startFakeServer(() => ({ body: { not: 'a list' } }));
    const { source } = await setupPagerDutyActions({
      config: config({ pagerdutyActions: { baseUrl: server.baseUrl } }),
      logger: recordingLogger(),
    });
    expect(source).toBe('bundled');
  });

  it('falls back when an entry of the list has no id, naming it', async () => {
    server = await startFakeServer(() => ({ body: [{ id: 'a:b' }, { description: 'no id' }] }));
    const logger = recordingLogger();
    const { source } = await setupPagerDutyActions({
      config: config({ pagerdutyActions: { baseUrl: server.baseUrl } }),
      logger,
    });
    expect(source).toBe('bundled');
    expect(logger.lines.find(([level]) => level === 'warn')?.[1]).toMatch(
      /entry 1 is not an action description with an id/,
    );
  });

  it('never calls the server with refreshAtStartup false', async () => {
    server = await startFakeServer(() => ({ body: [] }));
    const { source } = await setupPagerDutyActions({
      config: config({ pagerdutyActions: { baseUrl: server.baseUrl, refreshAtStartup: false } }),
      logger: recordingLogger(),
    });
    expect(source).toBe('bundled');
    expect(server.requests).toHaveLength(0);
  });
});

describe('config', () => {
  it('needs baseUrl, as an http(s) URL, and positive time limits', () => {
    expect(() => readModuleConfig(config({}))).toThrow(/pagerdutyActions\.baseUrl is missing/);
    expect(() => readModuleConfig(config({ pagerdutyActions: { baseUrl: 'ftp://x' } }))).toThrow(
      /http\(s\) URL/,
    );
    expect(() =>
      readModuleConfig(config({ pagerdutyActions: { baseUrl: 'http://x', timeoutSeconds: 0 } })),
    ).toThrow(/pagerdutyActions\.timeoutSeconds must be a positive number of seconds, got 0/);
  });

  it('has defaults, and keeps the token out of the settings when logged', () => {
    const settings = readModuleConfig(
      config({ pagerdutyActions: { baseUrl: 'http://x:7077/', token: TOKEN } }),
    );
    expect(settings.baseUrl).toBe('http://x:7077');
    expect(settings.timeoutMs).toBe(120_000);
    expect(settings.startupTimeoutMs).toBe(5_000);
    expect(settings.refreshAtStartup).toBe(true);
    expect(settings.token).toBe(TOKEN);
    expect(JSON.stringify(settings)).not.toContain(TOKEN);
  });
});
