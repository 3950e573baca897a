'use strict';

/**
 * A real Backstage backend (release 1.45.3) for the end-to-end tests: catalog, scaffolder,
 * proxy, Roadie's http:backstage:request and our scaffolder module (its packed build), started by
 * tests/e2e with `node --no-node-snapshot index.js --config app-config.yaml --config <overlay>`.
 */

const { createBackend } = require('@backstage/backend-defaults');
const { createBackendModule } = require('@backstage/backend-plugin-api');
const { catalogLocationsExtensionPoint } = require('@backstage/plugin-catalog-node/alpha');

/** The catalog API takes only `url` locations by default; tests register local template files. */
const catalogModuleFileLocations = createBackendModule({
  pluginId: 'catalog',
  moduleId: 'e2e-file-locations',
  register(reg) {
    reg.registerInit({
      deps: { locations: catalogLocationsExtensionPoint },
      async init({ locations }) {
        locations.setAllowedLocationTypes(['url', 'file']);
      },
    });
  },
});

const backend = createBackend();
backend.add(require('@backstage/plugin-catalog-backend'));
backend.add(require('@backstage/plugin-catalog-backend-module-scaffolder-entity-model'));
backend.add(catalogModuleFileLocations);
backend.add(require('@backstage/plugin-scaffolder-backend'));
backend.add(require('@backstage/plugin-proxy-backend'));
backend.add(require('@roadiehq/scaffolder-backend-module-http-request'));
// Installed from the tarball `npm pack` makes of the module (tests/e2e unpacks it per run and
// puts it on NODE_PATH); the log line lets the driver check which copy was loaded.
const ourModule = '@pagerduty-actions/scaffolder-backend-module-pagerduty-actions';
const ourPackageJson = require.resolve(`${ourModule}/package.json`);
console.log(`pagerduty-actions module: ${ourPackageJson.split('/@pagerduty-actions/')[0]}`);
backend.add(require(ourModule));
backend.start();
