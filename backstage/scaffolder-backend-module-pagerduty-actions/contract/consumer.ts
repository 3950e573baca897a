/**
 * A backend that uses the packed package as an admin's does: compiled with `tsc --noEmit`
 * against the package's published types (dist/index.d.ts) by contract/check-package.js.
 * Each `@ts-expect-error` proves a type is checked, not `any`.
 */

import type { BackendFeature } from '@backstage/backend-plugin-api';
import type { TemplateAction } from '@backstage/plugin-scaffolder-node';
import pagerDutyActionsModule, {
  createPagerDutyActions,
  idempotencyKey,
  loadBundledManifest,
  PagerDutyActionsClient,
  PagerDutyActionsError,
  PagerDutyActionsUnavailableError,
  resolveActions,
  scaffolderModulePagerDutyActions,
  toActionSpec,
  type PagerDutyActionDescription,
  type RunActionResult,
} from '@pagerduty-actions/scaffolder-backend-module-pagerduty-actions';

// `backend.add(import('…'))` takes a BackendFeature.
const feature: BackendFeature = pagerDutyActionsModule;
const same: BackendFeature = scaffolderModulePagerDutyActions;

// Wiring the actions by hand into the scaffolder's extension point (its type is the same in
// every scaffolder-node release; its entry point is not: /alpha before 0.12).
const client = new PagerDutyActionsClient({ baseUrl: 'http://127.0.0.1:7077', token: 't' });
const described: PagerDutyActionDescription[] = loadBundledManifest().actions;
const actions: TemplateAction<any, any>[] = createPagerDutyActions({ actions: described, client });
function register(point: { addActions(...actions: TemplateAction<any, any, any>[]): void }) {
  point.addActions(...actions);
}

// @ts-expect-error the base URL is required
const noUrl = new PagerDutyActionsClient({ token: 't' });

async function run(): Promise<string[]> {
  const result: RunActionResult = await client.runAction('pagerduty:service:create', {}, {
    dryRun: true,
    idempotencyKey: idempotencyKey({ taskId: 'task', stepId: 'step', input: {} }),
  });
  const replayed: boolean = result.replayed;
  // @ts-expect-error dryRun is a boolean
  await client.runAction('x', {}, { dryRun: 'yes' });
  const { actions: listed, source } = await resolveActions({ client, refresh: false });
  const where: 'server' | 'bundled' = source;
  return [String(replayed), where, ...listed.map(a => a.id)];
}

function describe(error: unknown): string {
  if (error instanceof PagerDutyActionsError) {
    const status: number = error.statusCode;
    const retryable: boolean = error.retryable;
    return `${error.name} ${status} ${retryable}`;
  }
  return error instanceof PagerDutyActionsUnavailableError ? error.message : String(error);
}

const spec = toActionSpec({ id: 'pagerduty:thing:new' });
const dryRun: boolean = spec.supportsDryRun;
// @ts-expect-error an action description needs an id
toActionSpec({ description: 'no id' });

export { feature, same, register, noUrl, run, describe, dryRun };
