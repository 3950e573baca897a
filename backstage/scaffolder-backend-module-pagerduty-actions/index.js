'use strict';

/**
 * @pagerduty-actions/scaffolder-backend-module-pagerduty-actions
 *
 * `backend.add(import('@pagerduty-actions/scaffolder-backend-module-pagerduty-actions'))` adds
 * every action of a pagerduty-actions server to Backstage's scaffolder as a native action.
 * The helpers are exported for tests and for wiring the actions by hand.
 */

const { scaffolderModulePagerDutyActions } = require('./src/module');
const { createPagerDutyActions, toActionSpec } = require('./src/actions');
const { PagerDutyActionsClient } = require('./src/client');
const { idempotencyKey } = require('./src/idempotency');
const { loadBundledManifest, resolveActions } = require('./src/manifest');
const { PagerDutyActionsError, PagerDutyActionsUnavailableError } = require('./src/errors');

module.exports = {
  default: scaffolderModulePagerDutyActions,
  scaffolderModulePagerDutyActions,
  createPagerDutyActions,
  toActionSpec,
  PagerDutyActionsClient,
  idempotencyKey,
  loadBundledManifest,
  resolveActions,
  PagerDutyActionsError,
  PagerDutyActionsUnavailableError,
};
