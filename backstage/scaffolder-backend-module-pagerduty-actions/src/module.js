'use strict';

/**
 * The Backstage backend module (new backend system): registers our actions with the
 * scaffolder. `@backstage/*` are peer dependencies, so the backend's own copies are used.
 */

const { coreServices, createBackendModule } = require('@backstage/backend-plugin-api');
const { scaffolderActionsExtensionPoint } = require('@backstage/plugin-scaffolder-node');
const { setupPagerDutyActions } = require('./setup');

const scaffolderModulePagerDutyActions = createBackendModule({
  pluginId: 'scaffolder',
  moduleId: 'pagerduty-actions',
  register(reg) {
    reg.registerInit({
      deps: {
        scaffolder: scaffolderActionsExtensionPoint,
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

module.exports = { scaffolderModulePagerDutyActions };
