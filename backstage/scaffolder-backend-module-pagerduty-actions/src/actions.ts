/**
 * From one action of our server (as `GET /v2/actions` lists it) to a native Backstage
 * scaffolder action with the same id, description, examples and JSON Schemas, whose handler
 * runs it on our server.
 *
 * Each action is made by Backstage's own `createTemplateAction`. That helper converts zod
 * schemas only: a plain JSON Schema given to it is dropped (scaffolder-node 0.11 to 1.0 alike).
 * Ours are JSON Schema from the server's manifest, and the scaffolder takes `schema.input` and
 * `schema.output` as JSON Schema as they are (it validates step input with them and lists them
 * at `GET /api/scaffolder/v2/actions`), so they are set on the action it returns.
 */

import { createTemplateAction } from '@backstage/plugin-scaffolder-node';
import type { ActionContext, TemplateAction } from '@backstage/plugin-scaffolder-node';
import type { PagerDutyActionsClient, RunLogLine } from './client';
import { idempotencyKey } from './idempotency';
import type { PagerDutyActionDescription } from './manifest';

/** A JSON Schema as the scaffolder's TemplateAction takes it. */
type ActionSchema = NonNullable<NonNullable<TemplateAction['schema']>['input']>;

/** The context a handler gets, with any input and output (our schemas are not zod). */
export type PagerDutyActionContext = ActionContext<any, any>;

/**
 * A native action of ours: Backstage's TemplateAction with JSON Schemas.
 *
 * @public
 */
export type PagerDutyTemplateAction = TemplateAction<any, any>;

/**
 * The fields of a native action (all but the handler) for one of ours.
 *
 * @public
 */
export interface PagerDutyActionSpec {
  id: string;
  description: string;
  examples: Array<{ description: string; example: string }>;
  schema: { input: ActionSchema; output: ActionSchema };
  supportsDryRun: boolean;
}

const LOG_LEVELS = new Set(['error', 'warn', 'info', 'debug']);

type LogLevel = 'error' | 'warn' | 'info' | 'debug';

/**
 * Our JSON Schema as Backstage takes it: a deep copy, so Backstage never changes the manifest.
 * A missing schema becomes "any object", so the step still reaches our server, which
 * validates it anyway.
 */
export function toBackstageSchema(schema: unknown): ActionSchema {
  if (schema === null || typeof schema !== 'object') {
    return { type: 'object' };
  }
  return JSON.parse(JSON.stringify(schema)) as ActionSchema;
}

/** Keep the examples Backstage can show: `{description, example: <YAML text>}`. */
function toBackstageExamples(examples: unknown): PagerDutyActionSpec['examples'] {
  if (!Array.isArray(examples)) {
    return [];
  }
  return examples
    .filter(
      (e): e is { description?: unknown; example: string } =>
        Boolean(e) && typeof e === 'object' && typeof e.example === 'string',
    )
    .map(e => ({ description: String(e.description ?? ''), example: e.example }));
}

/**
 * The fields of a native action for one of ours (everything but the handler).
 *
 * @public
 */
export function toActionSpec(action: PagerDutyActionDescription): PagerDutyActionSpec {
  const schema = action.schema ?? {};
  return {
    id: action.id,
    description: action.description ?? `${action.id} (pagerduty-actions)`,
    examples: toBackstageExamples(action.examples),
    schema: {
      input: toBackstageSchema(schema.input),
      output: toBackstageSchema(schema.output),
    },
    // Our server plans without writing under ?dryRun=true; an action that cannot plan says so
    // itself with an error, which is better than Backstage silently skipping the step.
    supportsDryRun: action.supportsDryRun !== false,
  };
}

/** The user who started the task, as an entity ref for our audit trail, when Backstage knows. */
export function initiatorOf(ctx: Pick<PagerDutyActionContext, 'user'>): string | undefined {
  const ref = ctx.user?.ref;
  return typeof ref === 'string' && ref ? ref : undefined;
}

/** Write our run's log lines to the step's log, at their level. */
function streamLog(logger: PagerDutyActionContext['logger'], lines: unknown): void {
  if (!Array.isArray(lines)) {
    return;
  }
  for (const line of lines as Array<RunLogLine | string | null>) {
    const isObject = line !== null && typeof line === 'object';
    const level = (isObject && LOG_LEVELS.has(line.level ?? '') ? line.level : 'info') as LogLevel;
    const message = isObject ? line.message : line;
    logger[level](String(message ?? ''));
  }
}

/** The handler of the native action `actionId`: one `POST /v2/actions/{id}` per step run. */
export function createHandler({
  client,
  actionId,
}: {
  client: PagerDutyActionsClient;
  actionId: string;
}): (ctx: PagerDutyActionContext) => Promise<void> {
  return async function handler(ctx) {
    const dryRun = Boolean(ctx.isDryRun);
    const taskId = ctx.task?.id;
    const stepId = ctx.step?.id;
    const key = idempotencyKey({ taskId, stepId, actionId, input: ctx.input });
    ctx.logger.info(
      `${actionId}: calling ${client.baseUrl}${dryRun ? ' (dry run: plan only, no writes)' : ''}` +
        ` with Idempotency-Key ${key}`,
    );
    const body = await client.runAction(actionId, ctx.input, {
      dryRun,
      idempotencyKey: key,
      initiator: initiatorOf(ctx),
      taskId,
      stepId,
      signal: ctx.signal,
      onRetry: (err, waitMs) =>
        ctx.logger.info(
          `${actionId}: ${err.message}; asking again in ${Math.ceil(waitMs / 1000)} s ` +
            '(same Idempotency-Key, so nothing runs twice)',
        ),
    });
    if (body.replayed) {
      ctx.logger.info(
        `${actionId}: replayed the answer of this step's first run (same Idempotency-Key); ` +
          'nothing was run again. Its log follows.',
      );
    }
    streamLog(ctx.logger, body.log);
    const output = body.output && typeof body.output === 'object' ? body.output : {};
    for (const [name, value] of Object.entries(output)) {
      ctx.output(name, value as any);
    }
  };
}

/**
 * One native action for one of ours, made by `createTemplateAction`, with our JSON Schemas.
 *
 * @public
 */
export function createPagerDutyAction(
  action: PagerDutyActionDescription,
  client: PagerDutyActionsClient,
): PagerDutyTemplateAction {
  const { schema, ...spec } = toActionSpec(action);
  const created = createTemplateAction({
    ...spec,
    handler: createHandler({ client, actionId: action.id }),
  });
  return { ...created, schema } as PagerDutyTemplateAction;
}

/**
 * Native actions for a list of ours, for `addActions` of `scaffolderActionsExtensionPoint`;
 * a repeated id is kept once.
 *
 * @public
 */
export function createPagerDutyActions({
  actions,
  client,
}: {
  actions: PagerDutyActionDescription[];
  client: PagerDutyActionsClient;
}): PagerDutyTemplateAction[] {
  const seen = new Set<string>();
  const result: PagerDutyTemplateAction[] = [];
  for (const action of actions) {
    if (!seen.has(action.id)) {
      seen.add(action.id);
      result.push(createPagerDutyAction(action, client));
    }
  }
  return result;
}
