/**
 * Start-up of the module without Backstage's wiring: read config, decide the action list,
 * build the native actions. `module.ts` calls it from the scaffolder's init; tests call it
 * with a server that is down, slow, or lists new actions.
 */

import { createPagerDutyActions, PagerDutyTemplateAction } from './actions';
import { PagerDutyActionsClient } from './client';
import { ModuleConfigReader, readModuleConfig } from './config';
import { PagerDutyActionsManifest, resolveActions, StartupLogger } from './manifest';

export interface SetupOptions {
  config: ModuleConfigReader;
  logger: StartupLogger;
  fetch?: typeof fetch;
  bundled?: PagerDutyActionsManifest;
}

export async function setupPagerDutyActions({
  config,
  logger,
  fetch,
  bundled,
}: SetupOptions): Promise<{ actions: PagerDutyTemplateAction[]; source: 'server' | 'bundled' }> {
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
