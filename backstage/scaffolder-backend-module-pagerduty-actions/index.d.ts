/**
 * Types of @pagerduty-actions/scaffolder-backend-module-pagerduty-actions (hand-written: the
 * package is plain CommonJS JavaScript, with no build step).
 */
import type { BackendFeature } from '@backstage/backend-plugin-api';
import type { TemplateAction } from '@backstage/plugin-scaffolder-node';

/** One action as our server lists it (`GET /v2/actions`, `pagerduty-actions actions export`). */
export interface PagerDutyActionDescription {
  id: string;
  description?: string;
  examples?: Array<{ description: string; example: string }>;
  schema?: { input?: Record<string, unknown>; output?: Record<string, unknown> };
  supportsDryRun?: boolean;
}

/** The manifest bundled with the package (`actions.json`). */
export interface PagerDutyActionsManifest {
  version?: string;
  actions: PagerDutyActionDescription[];
}

/** The scaffolder module: `backend.add(import('@pagerduty-actions/scaffolder-backend-module-pagerduty-actions'))`. */
declare const scaffolderModulePagerDutyActions: BackendFeature;
export default scaffolderModulePagerDutyActions;
export { scaffolderModulePagerDutyActions };

export interface PagerDutyActionsClientOptions {
  baseUrl: string;
  token?: string;
  /** Per call; default 120000. */
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export interface RunActionOptions {
  dryRun?: boolean;
  idempotencyKey?: string;
  /** A user entity ref, recorded in our audit trail. */
  initiator?: string;
  signal?: AbortSignal;
  /** Called before asking again after a 409 marked retryable (the same key still running). */
  onRetry?: (error: Error, waitMs: number) => void;
}

export interface RunActionResult {
  output?: Record<string, unknown>;
  log?: Array<{ level?: string; message?: string }>;
  dryRun?: boolean;
  /** The server answered from an earlier run with the same Idempotency-Key. */
  replayed: boolean;
}

/** HTTP client of our server's action API. */
export declare class PagerDutyActionsClient {
  constructor(options: PagerDutyActionsClientOptions);
  readonly baseUrl: string;
  listActions(options?: { timeoutMs?: number }): Promise<PagerDutyActionDescription[]>;
  /** Retries a 409 marked retryable after its Retry-After, within `timeoutMs` in all. */
  runAction(actionId: string, input: unknown, options?: RunActionOptions): Promise<RunActionResult>;
}

/** The fields of a native action (all but the handler) for one of ours. */
export declare function toActionSpec(action: PagerDutyActionDescription): {
  id: string;
  description: string;
  examples: Array<{ description: string; example: string }>;
  schema: { input: Record<string, unknown>; output: Record<string, unknown> };
  supportsDryRun: boolean;
};

/**
 * Native actions for a list of ours: TemplateAction objects for `addActions` of
 * `scaffolderActionsExtensionPoint`, with our JSON Schemas as they are.
 */
export declare function createPagerDutyActions(options: {
  actions: PagerDutyActionDescription[];
  client: PagerDutyActionsClient;
}): TemplateAction[];

/** The Idempotency-Key a step sends: task id + step id (or action id) + rendered input hash. */
export declare function idempotencyKey(source: {
  taskId: string;
  stepId?: string;
  actionId?: string;
  input?: unknown;
}): string;

export declare function loadBundledManifest(file?: string): PagerDutyActionsManifest;

/** The actions to register: the server's list when reachable, else the bundled manifest. */
export declare function resolveActions(options: {
  client: PagerDutyActionsClient;
  logger?: { info(message: string): void; warn(message: string): void };
  refresh?: boolean;
  timeoutMs?: number;
  bundled?: PagerDutyActionsManifest;
}): Promise<{ actions: PagerDutyActionDescription[]; source: 'server' | 'bundled' }>;

/** An error body of our server: `name` and `message` are the server's own. */
export declare class PagerDutyActionsError extends Error {
  constructor(fields: {
    name: string;
    message: string;
    statusCode: number;
    details?: unknown[];
    upstream?: unknown;
    retryable?: boolean;
    retryAfterMs?: number;
  });
  readonly statusCode: number;
  readonly details?: unknown[];
  readonly upstream?: unknown;
  readonly retryable: boolean;
  /** From the answer's Retry-After header. */
  readonly retryAfterMs?: number;
}

/** Our server could not be reached, timed out, or something else answered. */
export declare class PagerDutyActionsUnavailableError extends Error {}
