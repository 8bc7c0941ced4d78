import type { CallbackSpec } from "../app/callback-spec.js";
import type { JobContext, JobOutcome, SideUpdates } from "../manager/contract.js";
import { mergeSideUpdates } from "../manager/updates.js";
import { runNormalCallback } from "./normal.js";

/**
 * A callback's error handler (`onError`, per callback or for the whole app): it receives the error
 * and its return value becomes the outputs (`undefined`/`null` leave them unchanged); `setProps`
 * works inside it. It runs in the web process, in the request that learnt of the error.
 */
export type ErrorHandler = (error: Error) => unknown;

/** The error a handler receives for an `error` or `lost` outcome. */
function errorOf(outcome: Extract<JobOutcome, { kind: "error" | "lost" }>, background: boolean): Error {
  const error = new Error(
    outcome.kind === "error" ? outcome.message : `The background job was lost: ${outcome.reason}`,
  );
  error.name = background ? "BackgroundCallbackError" : "CallbackError";
  if (outcome.kind === "error" && outcome.stack) error.stack = outcome.stack;
  return error;
}

/**
 * Gives an `error` or `lost` outcome to the callback's error handler, if there is one, and returns
 * what the handler made of it; any other outcome passes through.
 */
export async function handleErrorOutcome(
  spec: CallbackSpec,
  outcome: JobOutcome,
  context: JobContext,
  sideUpdate: SideUpdates | undefined,
  appHandler: ErrorHandler | undefined,
): Promise<{ outcome: JobOutcome; sideUpdate: SideUpdates | undefined }> {
  const handler = spec.options.onError ?? appHandler;
  if (handler === undefined || (outcome.kind !== "error" && outcome.kind !== "lost")) return { outcome, sideUpdate };
  const error = errorOf(outcome, spec.background);
  const handled = await runNormalCallback({ ...spec, fn: () => handler(error) }, [], context);
  const merged: SideUpdates = { ...sideUpdate };
  mergeSideUpdates(merged, handled.sideUpdate);
  const result = handled.outcome;
  // Like Dash: a handler that returns nothing leaves the outputs as they are.
  const final: JobOutcome = result.kind === "result" && result.value === null ? { kind: "noUpdate" } : result;
  return { outcome: final, sideUpdate: merged };
}
