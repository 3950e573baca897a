/**
 * Which actions to register, decided once at Backstage start-up.
 *
 * Backstage fixes its action list when the scaffolder starts, so the list must be known then,
 * even if our server is down (Backstage must start regardless). The policy:
 *
 * 1. Ask our server (`GET {baseUrl}/v2/actions`, short time limit). When it answers, its list
 *    is used: it is what the server will actually run, and actions added to the server appear
 *    in Backstage on its next restart with no new release of this package.
 * 2. Otherwise use the manifest bundled with this package (`actions.json`, written by
 *    `pagerduty-actions actions export`), and log a warning naming the URL and the reason.
 *    Steps still call the server when they run, so they work as soon as it is back.
 *
 * `refreshAtStartup: false` skips step 1 (for air-gapped starts that must not wait).
 */

import { readFileSync } from 'node:fs';
// The build compiles the manifest into dist/, so no path has to be found at run time (and
// the package cannot be installed without it); the file itself ships too, for reference.
import bundledManifest from '../actions.json';

/**
 * One action as our server lists it (`GET /v2/actions`, `pagerduty-actions actions export`).
 *
 * @public
 */
export interface PagerDutyActionDescription {
  id: string;
  description?: string;
  examples?: unknown[];
  schema?: { input?: Record<string, unknown>; output?: Record<string, unknown> };
  supportsDryRun?: boolean;
}

/**
 * The manifest bundled with the package (`actions.json`).
 *
 * @public
 */
export interface PagerDutyActionsManifest {
  version?: string;
  actions: PagerDutyActionDescription[];
}

/** Is this one action of our list shape: `{id, description, schema: {input, output}}`? */
function isActionDescription(value: unknown): value is PagerDutyActionDescription {
  if (value === null || typeof value !== 'object') {
    return false;
  }
  const { id, schema } = value as { id?: unknown; schema?: unknown };
  return (
    typeof id === 'string' &&
    id.length > 0 &&
    (schema === undefined || (schema !== null && typeof schema === 'object'))
  );
}

/** Check a list of actions; throws naming the first bad entry. */
export function validateActions(actions: unknown, where: string): PagerDutyActionDescription[] {
  if (!Array.isArray(actions)) {
    throw new Error(`${where}: expected a list of actions`);
  }
  actions.forEach((action, index) => {
    if (!isActionDescription(action)) {
      throw new Error(`${where}: entry ${index} is not an action description with an id`);
    }
  });
  return actions;
}

/**
 * The manifest bundled with the package, or one read from `file` (same shape): a fresh copy,
 * checked, so a caller's changes never reach the next call.
 *
 * @public
 */
export function loadBundledManifest(file?: string): PagerDutyActionsManifest {
  const manifest = JSON.parse(
    file === undefined ? JSON.stringify(bundledManifest) : readFileSync(file, 'utf8'),
  );
  validateActions(manifest?.actions, file ?? 'the bundled actions.json');
  return manifest;
}

/** What start-up logs: where the list came from, or why the server's was not used. */
export interface StartupLogger {
  info(message: string): void;
  warn(message: string): void;
}

/** @public */
export interface ResolveActionsOptions {
  client: {
    baseUrl: string;
    listActions(options: { timeoutMs?: number }): Promise<unknown>;
  };
  logger?: StartupLogger;
  refresh?: boolean;
  timeoutMs?: number;
  bundled?: PagerDutyActionsManifest;
}

/**
 * The actions to register: the server's list when reachable, else the bundled manifest.
 *
 * @public
 */
export async function resolveActions({
  client,
  logger,
  refresh = true,
  timeoutMs = 5000,
  bundled,
}: ResolveActionsOptions): Promise<{
  actions: PagerDutyActionDescription[];
  source: 'server' | 'bundled';
}> {
  const manifest = bundled ?? loadBundledManifest();
  if (refresh) {
    try {
      const actions = validateActions(
        await client.listActions({ timeoutMs }),
        `${client.baseUrl}/v2/actions`,
      );
      logger?.info(
        `pagerduty-actions: registering ${actions.length} action(s) listed by ${client.baseUrl}`,
      );
      return { actions, source: 'server' };
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      logger?.warn(
        `pagerduty-actions: could not list actions from ${client.baseUrl} at start-up ` +
          `(${reason}); registering the ${manifest.actions.length} bundled action(s) ` +
          `of manifest ${manifest.version ?? 'unknown'} instead. Steps call the server when ` +
          'they run; restart Backstage to pick up actions added to the server since.',
      );
    }
  }
  return { actions: manifest.actions, source: 'bundled' };
}
