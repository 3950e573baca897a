/**
 * The Backstage backend module (new backend system): registers our actions with the
 * scaffolder. `@backstage/*` are peer dependencies, so the backend's own copies are used.
 */

import { coreServices, createBackendModule } from '@backstage/backend-plugin-api';
import { findActionsExtensionPoint } from './extensionPoint';
import { setupPagerDutyActions } from './setup';

/**
 * The scaffolder module:
 * `backend.add(import('@pagerduty-actions/scaffolder-backend-module-pagerduty-actions'))`.
 *
 * @public
 */
export const scaffolderModulePagerDutyActions = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'pagerduty-actions',
  register(reg) {
    reg.registerInit({
      deps: {
        scaffolder: findActionsExtensionPoint(),
        config: coreServices.rootConfig,
        logger: coreServices.logger,
      },
      async init({ scaffolder, config, logger }) {
        const { actions } = await setupPagerDutyActions({ config, logger });
        scaffolder.addActions(...actions);
      },
    });
  },
});
