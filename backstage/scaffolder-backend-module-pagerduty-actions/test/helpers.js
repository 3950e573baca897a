'use strict';

/**
 * Test doubles: a tiny stand-in for our server on 127.0.0.1 (records each request and answers
 * what the test says), a Backstage-like step context, and a Backstage-like config reader.
 */

const http = require('node:http');

/**
 * @param {(req: {method: string, url: string, headers: object, body: string}) =>
 *   {status?: number, body?: unknown, raw?: string, delayMs?: number,
 *   headers?: Record<string, string>}} respond
 */
async function startFakeServer(respond) {
  const requests = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', chunk => (body += chunk));
    req.on('end', () => {
      const seen = { method: req.method, url: req.url, headers: req.headers, body };
      requests.push(seen);
      const answer = respond(seen) ?? {};
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
        res.end(answer.raw ?? JSON.stringify(answer.body ?? {}));
      };
      if (answer.delayMs) setTimeout(send, answer.delayMs).unref();
      else send();
    });
  });
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise(resolve => {
        server.closeAllConnections();
        server.close(resolve);
      }),
  };
}

/** A URL where nothing listens: a port we bound and released. */
async function deadUrl() {
  const server = http.createServer();
  await new Promise(resolve => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise(resolve => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

function fakeContext(overrides = {}) {
  const outputs = {};
  const logs = [];
  const logger = {};
  for (const level of ['error', 'warn', 'info', 'debug']) {
    logger[level] = message => logs.push({ level, message });
  }
  return {
    input: { name: 'checkout-api', escalationPolicyName: 'Default' },
    task: { id: '2f1c7c1e-5d8e-4a53-9d8e-0c2b1a7e5f00' },
    step: { id: 'pagerduty', name: 'Create PagerDuty service' },
    isDryRun: false,
    user: { ref: 'user:default/jane' },
    logger,
    output: (name, value) => {
      outputs[name] = value;
    },
    outputs,
    logs,
    ...overrides,
  };
}

/** Backstage's Config reader over a plain object (the getters the module uses). */
function fakeConfig(values) {
  const get = key => key.split('.').reduce((node, k) => (node == null ? undefined : node[k]), values);
  return {
    getOptionalString: key => get(key),
    getString: key => {
      const v = get(key);
      if (v === undefined) throw new Error(`Missing required config value at '${key}'`);
      return v;
    },
    getOptionalNumber: key => get(key),
    getOptionalBoolean: key => get(key),
  };
}

module.exports = {
  startFakeServer,
  deadUrl,
  fakeContext,
  fakeConfig,
};
