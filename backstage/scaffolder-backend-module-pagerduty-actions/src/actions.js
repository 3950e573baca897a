'use strict';

/**
 * From one action of our server (as `GET /v2/actions` lists it) to a native Backstage
 * scaffolder action with the same id, description, examples and JSON Schemas, whose handler
 * runs it on our server.
 *
 * The result is a plain TemplateAction object, not one made by `createTemplateAction`: in
 * @backstage/plugin-scaffolder-node 0.12 that helper keeps only zod schemas and silently drops
 * plain JSON Schemas (measured on Backstage 1.45.3), while the scaffolder itself takes
 * `schema.input`/`schema.output` as JSON Schema: it validates step input with them and lists
 * them at `GET /api/scaffolder/v2/actions`. Nothing here imports Backstage, so the mapping and
 * the handler are tested with Node's test runner alone.
 */

const { idempotencyKey } = require('./idempotency');

const LOG_LEVELS = new Set(['error', 'warn', 'info', 'debug']);

function clone(value) {
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

/**
 * Our JSON Schema as Backstage takes it. Backstage validates a step's input with the schema
 * before calling the handler and shows it on its /create/actions page; our schemas are plain
 * JSON Schema objects, which it accepts as they are. A missing schema becomes "any object",
 * so the step still reaches our server, which validates it anyway.
 */
function toBackstageSchema(schema) {
  if (schema === null || typeof schema !== 'object') {
    return { type: 'object' };
  }
  return clone(schema);
}

/** Keep the examples Backstage can show: `{description, example: <YAML text>}`. */
function toBackstageExamples(examples) {
  if (!Array.isArray(examples)) {
    return [];
  }
  return examples
    .filter(e => e && typeof e === 'object' && typeof e.example === 'string')
    .map(e => ({ description: String(e.description ?? ''), example: e.example }));
}

/**
 * The fields of a native action for one of ours (everything but the handler).
 *
 * @param {{id: string, description?: string, examples?: unknown[], schema?: {input?: object,
 *   output?: object}, supportsDryRun?: boolean}} action
 */
function toActionSpec(action) {
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
function initiatorOf(ctx) {
  const user = ctx.user;
  if (user && typeof user.ref === 'string' && user.ref) {
    return user.ref;
  }
  return undefined;
}

/** Write our run's log lines to the step's log, at their level. */
function streamLog(logger, lines) {
  if (!Array.isArray(lines)) {
    return;
  }
  for (const line of lines) {
    const level = line && LOG_LEVELS.has(line.level) ? line.level : 'info';
    const message = line && typeof line === 'object' ? line.message : line;
    logger[level](String(message ?? ''));
  }
}

/**
 * The handler of the native action `actionId`: one `POST /v2/actions/{id}` per step run.
 *
 * @param {{client: import('./client').PagerDutyActionsClient, actionId: string}} options
 */
function createHandler({ client, actionId }) {
  return async function handler(ctx) {
    const dryRun = Boolean(ctx.isDryRun);
    const taskId = ctx.task && ctx.task.id;
    const stepId = ctx.step && ctx.step.id;
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
      ctx.output(name, value);
    }
  };
}

/**
 * Native actions (TemplateAction objects) for a list of ours; a repeated id is kept once.
 *
 * @param {{actions: object[], client: import('./client').PagerDutyActionsClient}} options
 */
function createPagerDutyActions({ actions, client }) {
  const seen = new Set();
  const result = [];
  for (const action of actions) {
    if (seen.has(action.id)) {
      continue;
    }
    seen.add(action.id);
    result.push({
      ...toActionSpec(action),
      handler: createHandler({ client, actionId: action.id }),
    });
  }
  return result;
}

module.exports = {
  createHandler,
  createPagerDutyActions,
  initiatorOf,
  toActionSpec,
  toBackstageSchema,
};
