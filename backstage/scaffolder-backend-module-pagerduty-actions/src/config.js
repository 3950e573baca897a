'use strict';

/**
 * The module's settings from Backstage's app-config:
 *
 *   pagerdutyActions:
 *     baseUrl: http://pagerduty-actions.internal:7077   # required
 *     token: ${PAGERDUTY_ACTIONS_TOKEN}                # one of the server's auth.tokens
 *     timeoutSeconds: 120                              # per step call (optional)
 *     startupTimeoutSeconds: 5                         # listing actions at start-up (optional)
 *     refreshAtStartup: true                           # false: use the bundled list only
 *
 * Read through Backstage's Config API (getString, getOptional*), so `${ENV}` works as usual.
 */

const DEFAULTS = { timeoutSeconds: 120, startupTimeoutSeconds: 5, refreshAtStartup: true };

function positive(config, key, fallback) {
  const value = config.getOptionalNumber(key);
  if (value === undefined) {
    return fallback;
  }
  if (!(value > 0)) {
    throw new Error(`${key} must be a positive number of seconds, got ${value}`);
  }
  return value;
}

/**
 * @param {{getString: Function, getOptionalString: Function, getOptionalNumber: Function,
 *   getOptionalBoolean: Function}} config Backstage's root config
 */
function readModuleConfig(config) {
  const baseUrl = config.getOptionalString('pagerdutyActions.baseUrl');
  if (!baseUrl) {
    throw new Error(
      'pagerdutyActions.baseUrl is missing from app-config: set it to the URL of the ' +
        'pagerduty-actions server, e.g. http://127.0.0.1:7077',
    );
  }
  if (!/^https?:\/\//.test(baseUrl)) {
    throw new Error(`pagerdutyActions.baseUrl must be an http(s) URL, got ${baseUrl}`);
  }
  const settings = {
    baseUrl: baseUrl.replace(/\/+$/, ''),
    timeoutMs: positive(config, 'pagerdutyActions.timeoutSeconds', DEFAULTS.timeoutSeconds) * 1000,
    startupTimeoutMs:
      positive(config, 'pagerdutyActions.startupTimeoutSeconds', DEFAULTS.startupTimeoutSeconds) *
      1000,
    refreshAtStartup:
      config.getOptionalBoolean('pagerdutyActions.refreshAtStartup') ?? DEFAULTS.refreshAtStartup,
  };
  // Not enumerable, so logging the settings object never shows the token.
  Object.defineProperty(settings, 'token', {
    value: config.getOptionalString('pagerdutyActions.token'),
    enumerable: false,
  });
  return settings;
}

module.exports = { readModuleConfig, DEFAULTS };
