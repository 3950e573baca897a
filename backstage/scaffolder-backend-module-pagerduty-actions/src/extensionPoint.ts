/**
 * The scaffolder's actions extension point, wherever this backend's scaffolder-node has it:
 * the main entry point from 0.12 (Backstage 1.44) on, `/alpha` before (0.11, Backstage 1.42 and
 * 1.43). Both are Backstage's own reference, so `addActions` reaches the scaffolder either way.
 */

import type { ExtensionPoint } from '@backstage/backend-plugin-api';
import type { TemplateAction } from '@backstage/plugin-scaffolder-node';
import * as scaffolderNode from '@backstage/plugin-scaffolder-node';
import * as scaffolderNodeAlpha from '@backstage/plugin-scaffolder-node/alpha';

/** What the module uses of the extension point (the same in every release). */
export interface ActionsExtensionPoint {
  addActions(...actions: TemplateAction<any, any, any>[]): void;
}

function exported(entry: object): ExtensionPoint<ActionsExtensionPoint> | undefined {
  return (entry as Record<string, ExtensionPoint<ActionsExtensionPoint> | undefined>)
    .scaffolderActionsExtensionPoint;
}

export function findActionsExtensionPoint(
  main: object = scaffolderNode,
  alpha: object = scaffolderNodeAlpha,
): ExtensionPoint<ActionsExtensionPoint> {
  const point = exported(main) ?? exported(alpha);
  if (!point) {
    throw new Error(
      '@backstage/plugin-scaffolder-node exports no scaffolderActionsExtensionPoint, from its ' +
        'main entry point nor from /alpha: use a release this module supports (see its README)',
    );
  }
  return point;
}
