/**
 * The module's settings from Backstage's app-config (schema: `config.d.ts`):
 *
 *   pagerdutyActions:
 *     baseUrl: http://pagerduty-actions.internal:7077   # required
 *     token: ${PAGERDUTY_ACTIONS_TOKEN}                # one of the server's auth.tokens
 *     timeoutSeconds: 120                              # per step call (optional)
 *     startupTimeoutSeconds: 5                         # listing actions at start-up (optional)
 *     refreshAtStartup: true                           # false: use the bundled list only
 *
 * Read through Backstage's Config API (getOptional*), so `${ENV}` works as usual.
 */

import type { RootConfigService } from '@backstage/backend-plugin-api';

export const DEFAULTS = { timeoutSeconds: 120, startupTimeoutSeconds: 5, refreshAtStartup: true };

/** The config getters the module uses (Backstage's Config has them all). */
export type ModuleConfigReader = Pick<
  RootConfigService,
  'getOptionalString' | 'getOptionalNumber' | 'getOptionalBoolean'
>;

export interface ModuleSettings {
  baseUrl: string;
  /** Not enumerable, so logging the settings object never shows it. */
  token?: string;
  timeoutMs: number;
  startupTimeoutMs: number;
  refreshAtStartup: boolean;
}

function positive(config: ModuleConfigReader, key: string, fallback: number): number {
  const value = config.getOptionalNumber(key);
  if (value === undefined) {
    return fallback;
  }
  if (!(value > 0)) {
    throw new Error(`${key} must be a positive number of seconds, got ${value}`);
  }
  return value;
}

export function readModuleConfig(config: ModuleConfigReader): ModuleSettings {
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
  const settings: ModuleSettings = {
    baseUrl: baseUrl.replace(/\/+$/, ''),
    timeoutMs:
      positive(config, 'pagerdutyActions.timeoutSeconds', DEFAULTS.timeoutSeconds) * 1000,
    startupTimeoutMs:
      positive(config, 'pagerdutyActions.startupTimeoutSeconds', DEFAULTS.startupTimeoutSeconds) *
      1000,
    refreshAtStartup:
      config.getOptionalBoolean('pagerdutyActions.refreshAtStartup') ?? DEFAULTS.refreshAtStartup,
  };
  Object.defineProperty(settings, 'token', {
    value: config.getOptionalString('pagerdutyActions.token'),
    enumerable: false,
  });
  return settings;
}
