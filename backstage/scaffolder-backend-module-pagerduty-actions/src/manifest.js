'use strict';

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

const fs = require('node:fs');
const path = require('node:path');

const BUNDLED_MANIFEST = path.join(__dirname, '..', 'actions.json');

/** Is this one action of our list shape: `{id, description, schema: {input, output}}`? */
function isActionDescription(value) {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof value.id === 'string' &&
    value.id.length > 0 &&
    (value.schema === undefined || (value.schema !== null && typeof value.schema === 'object'))
  );
}

/** Check a list of actions; throws naming the first bad entry. */
function validateActions(actions, where) {
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
 * Read the manifest bundled with the package (or another file of the same shape).
 *
 * @param {string} [file]
 * @returns {{version?: string, actions: object[]}}
 */
function loadBundledManifest(file = BUNDLED_MANIFEST) {
  const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
  validateActions(manifest && manifest.actions, file);
  return manifest;
}

/**
 * The actions to register, and where they came from.
 *
 * @param {{client: {baseUrl: string, listActions: Function}, logger?: {info: Function,
 *   warn: Function}, refresh?: boolean, timeoutMs?: number, bundled?: {actions: object[]}}} options
 * @returns {Promise<{actions: object[], source: 'server' | 'bundled'}>}
 */
async function resolveActions({ client, logger, refresh = true, timeoutMs = 5000, bundled }) {
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

module.exports = { BUNDLED_MANIFEST, loadBundledManifest, resolveActions, validateActions };
