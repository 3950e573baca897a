'use strict';

/**
 * Start-up of the module without Backstage's wiring: read config, decide the action list,
 * build the native actions. `module.js` calls it from the scaffolder's init; tests call it with
 * fakes (a server that is down, one that lists new actions).
 */

const { PagerDutyActionsClient } = require('./client');
const { readModuleConfig } = require('./config');
const { resolveActions } = require('./manifest');
const { createPagerDutyActions } = require('./actions');

/**
 * @param {{config: object, logger: {info: Function, warn: Function}, fetch?: typeof fetch,
 *   bundled?: {actions: object[]}}} deps
 * @returns {Promise<{actions: object[], source: 'server' | 'bundled'}>}
 */
async function setupPagerDutyActions({ config, logger, fetch, bundled }) {
  const settings = readModuleConfig(config);
  const client = new PagerDutyActionsClient({
    baseUrl: settings.baseUrl,
    token: settings.token,
    timeoutMs: settings.timeoutMs,
    fetch,
  });
  const { actions, source } = await resolveActions({
    client,
    logger,
    refresh: settings.refreshAtStartup,
    timeoutMs: settings.startupTimeoutMs,
    bundled,
  });
  return { actions: createPagerDutyActions({ actions, client }), source };
}

module.exports = { setupPagerDutyActions };
