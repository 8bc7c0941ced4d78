/**
 * background-callbacks: Dash-style background callbacks for Node.js.
 *
 * This entry holds the manager contract and what managers are built from. Managers live in
 * `background-callbacks/managers/disk` and `background-callbacks/managers/queue`; the
 * conformance suite in `background-callbacks/testing`.
 *
 * @packageDocumentation
 */

export type { CallbackFunction, CallbackOptions, RunningEntry } from "./app/callback-spec.js";
export { ctx } from "./app/context.js";
// The app layer: what Dash users write against.
export { Dash, type RunningApp, type RunOptions } from "./app/dash.js";
export type { DashOptions, RequestData, ResolvedDashOptions } from "./app/dash-options.js";
export {
  ALL,
  ALLSMALLER,
  Dependency,
  type DependencyId,
  Input,
  MATCH,
  Output,
  State,
  stringifyId,
  type Wildcard,
} from "./app/dependencies.js";
export type { ArgsGrouping, DependencyGroup, GroupedArg, OutputEntry, OutputTarget } from "./app/grouping.js";
export {
  isPatch,
  Patch,
  type PatchJson,
  type PatchKey,
  type PatchOperation,
  type PatchOperationName,
  type PropValue,
} from "./app/patch.js";
export { applyPatch } from "./app/patch-apply.js";
export { callback } from "./app/registry.js";
export * from "./components/index.js";
export {
  BackgroundCallbackError,
  describeValue,
  type ErrorCode,
  type InvalidArgumentError,
  invalidArgument,
  isErrorCode,
} from "./errors.js";
export { BaseManager } from "./manager/base.js";
export type {
  BackgroundCallbackManager,
  JobContext,
  JobHandle,
  JobOutcome,
  JobRequest,
  JobState,
  JobUpdate,
  Json,
  ManagerCapabilities,
  ManagerSnapshot,
  RunningJobInfo,
  SideUpdates,
  TriggeredInput,
  WatchOptions,
  WorkerInfo,
} from "./manager/contract.js";
export {
  type InspectableManager,
  inspectableManagers,
  registerInspectable,
  unregisterInspectable,
} from "./manager/inspectable.js";
export { type CacheKeyParts, cacheKey, componentKey, newJobId, stableStringify } from "./manager/keys.js";
export { assertOptions, type LocalWorkerOptions, resolveLocalWorkerOptions } from "./manager/options.js";
export { jobUpdate, mergeSideUpdate, mergeSideUpdates } from "./manager/updates.js";
export {
  assertId,
  assertInteger,
  assertJson,
  assertSignal,
  isJson,
  MAX_TIMER_MS,
  toJson,
  validateJobRequest,
} from "./manager/validate.js";
export { Watchers } from "./manager/watchers.js";
export type { MetricsOptions } from "./metrics/options.js";
export { hardenServer } from "./server/node.js";
export { isNoUpdate, noUpdate, PreventUpdate } from "./worker/outcome.js";
export { WorkerPool, type WorkerPoolEvents, type WorkerPoolOptions } from "./worker/pool.js";
export { type EndedJob, type ObservedJob, observePools, type PoolObserver } from "./worker/pool-observers.js";
export { timeoutOutcome, type WorkerJob } from "./worker/protocol.js";
export { type JobFunction, type JobTools, registeredJobs, registerJob } from "./worker/registry.js";
export { currentRole, isWorkerProcess, ROLE_ENV } from "./worker/role.js";
export { currentContext, currentJob, setProps } from "./worker/scope.js";
export {
  type QueueWorkerOptions,
  type QueueWorkerSource,
  queueWorkerSources,
  type RunningQueueWorker,
  registerQueueWorkerSource,
  unregisterQueueWorkerSource,
} from "./worker/sources.js";
