/**
 * A Backstage scaffolder module that adds every action of a pagerduty-actions server as a
 * native scaffolder action: `backend.add(import('@pagerduty-actions/scaffolder-backend-module-pagerduty-actions'))`.
 * The helpers are exported for wiring the actions by hand.
 *
 * @packageDocumentation
 */

export { scaffolderModulePagerDutyActions as default } from './module';
export { scaffolderModulePagerDutyActions } from './module';
export {
  createPagerDutyAction,
  createPagerDutyActions,
  toActionSpec,
  type PagerDutyActionSpec,
  type PagerDutyTemplateAction,
} from './actions';
export {
  PagerDutyActionsClient,
  type PagerDutyActionsClientOptions,
  type RunActionOptions,
  type RunActionResult,
} from './client';
export { idempotencyKey, type IdempotencyKeySource } from './idempotency';
export {
  loadBundledManifest,
  resolveActions,
  type PagerDutyActionDescription,
  type PagerDutyActionsManifest,
  type ResolveActionsOptions,
} from './manifest';
export { PagerDutyActionsError, PagerDutyActionsUnavailableError } from './errors';
