// Import with `node --import ./card-client/register.mjs`: registers ./hooks.mjs.
//
// @backstage/plugin-pagerduty ships an ESM dist (`.esm.js`) in a package without
// "type": "module", importing extensionless subpaths (`react-use/lib/useAsyncFn`), an `.svg`
// file, and CommonJS packages by named imports (`@material-ui/core`): a bundler accepts all
// of it, Node 20 none of it. The hooks make Node load it as the bundler would.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
