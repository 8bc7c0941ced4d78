import { AsyncLocalStorage } from "node:async_hooks";
import type { PropValue } from "../app/patch.js";
import { BackgroundCallbackError } from "../errors.js";
import type { JobContext, Json } from "../manager/contract.js";
import type { JobTools } from "./registry.js";

const scope = new AsyncLocalStorage<JobTools>();

/** Runs `fn` with `tools` as the current job, so `setProps` and `currentJob` find it. */
export function runInJobScope<T>(tools: JobTools, fn: () => T): T {
  return scope.run(tools, fn);
}

/** The tools of the job (or callback) running now, if any. */
export function currentJob(): JobTools | undefined {
  return scope.getStore();
}

/**
 * Sends new prop values to a component from inside a running callback or job.
 * @throws `WRONG_ROLE` outside a callback.
 */
export function setProps(id: string | Record<string, Json>, props: Record<string, PropValue>): void {
  const job = scope.getStore();
  if (job === undefined) {
    throw new BackgroundCallbackError(
      "WRONG_ROLE",
      "[background-callbacks:setProps] setProps() was called outside a callback; call it while a callback runs",
    );
  }
  job.setProps(id, props);
}

/** The request snapshot of the running callback or job, or `{}` outside one. */
export function currentContext(): JobContext {
  return scope.getStore()?.ctx ?? {};
}
