/**
 * Test doubles: a tiny stand-in for our server on 127.0.0.1 (records each request and answers
 * what the test says), a step context from Backstage's own `createMockActionContext` whose
 * logger and outputs the test can read, and Backstage's Config over a plain object.
 */

import { createServer, IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigReader } from '@backstage/config';
import type { JsonObject } from '@backstage/types';
import { mockServices } from '@backstage/backend-test-utils';
import { createMockActionContext } from '@backstage/plugin-scaffolder-node-test-utils';
import type { PagerDutyActionContext } from '../actions';

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface FakeAnswer {
  status?: number;
  body?: unknown;
  raw?: string;
  delayMs?: number;
  headers?: Record<string, string>;
}

export interface FakeServer {
  baseUrl: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

export async function startFakeServer(
  respond: (req: SeenRequest) => FakeAnswer | undefined,
): Promise<FakeServer> {
  const requests: SeenRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', chunk => {
      body += chunk;
    });
    req.on('end', () => {
      const seen = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      requests.push(seen);
      const answer = respond(seen) ?? {};
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(answer.status ?? 200, {
          'content-type': 'application/json',
          ...answer.headers,
        });
        res.end(answer.raw ?? JSON.stringify(answer.body ?? {}));
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs).unref();
      else send();
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>(resolve => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A URL where nothing listens: a port we bound and released. */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>(resolve => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

export const TASK_ID = '2f1c7c1e-5d8e-4a53-9d8e-0c2b1a7e5f00';

export interface StepContext {
  ctx: PagerDutyActionContext;
  /** Every `ctx.output(name, value)` of the run, by name. */
  outputs(): Record<string, unknown>;
  /** Every line the handler wrote to the step log, with its level. */
  logs(): Array<{ level: string; message: string }>;
}

/**
 * A step context from Backstage's `createMockActionContext`, with our usual input, task, step
 * and user; `overrides` replace any of them (`undefined` removes it). `isDryRun`, `step` and
 * `signal` are set after it, as it does not take them.
 */
export function stepContext(overrides: Partial<PagerDutyActionContext> = {}): StepContext {
  const logger = mockServices.logger.mock();
  const base = createMockActionContext({
    input: { name: 'checkout-api', escalationPolicyName: 'Default' },
    task: { id: TASK_ID },
    user: { ref: 'user:default/jane' },
    logger,
  });
  const ctx: PagerDutyActionContext = {
    ...base,
    step: { id: 'pagerduty', name: 'Create PagerDuty service' },
    isDryRun: false,
    ...overrides,
  };
  const output = ctx.output as jest.Mock;
  return {
    ctx,
    outputs: () => Object.fromEntries(output.mock.calls.map(([name, value]) => [name, value])),
    logs: () =>
      (['error', 'warn', 'info', 'debug'] as const).flatMap(level =>
        (logger[level] as jest.Mock).mock.calls.map(([message]) => ({
          level,
          message: String(message),
        })),
      ),
  };
}

/** Backstage's Config reader over a plain object, as the backend gives it. */
export function config(values: JsonObject): ConfigReader {
  return new ConfigReader(values);
}

/** A start-up logger that records its lines. */
export function recordingLogger() {
  const lines: Array<[string, string]> = [];
  return {
    lines,
    info: (m: string) => {
      lines.push(['info', m]);
    },
    warn: (m: string) => {
      lines.push(['warn', m]);
    },
  };
}
