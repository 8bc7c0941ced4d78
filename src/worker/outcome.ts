import type { JobOutcome } from "../manager/contract.js";
import { toJson } from "../manager/validate.js";

/**
 * Returned by a callback, leaves its output unchanged. It is plain JSON, so it survives any
 * transport; inside a list it leaves only that output unchanged.
 */
export const noUpdate: { readonly _dash_no_update: "_dash_no_update" } = Object.freeze({
  _dash_no_update: "_dash_no_update",
});

/** Whether `value` is {@link noUpdate} (or a copy of it that crossed a process boundary). */
export function isNoUpdate(value: unknown): boolean {
  return (
    value !== null &&
    typeof value === "object" &&
    (value as Record<string, unknown>)._dash_no_update === "_dash_no_update"
  );
}

/** Throw it in a callback to leave every output unchanged. */
export class PreventUpdate extends Error {
  constructor(message = "PreventUpdate") {
    super(message);
    this.name = "PreventUpdate";
  }
}

/** Turns what a job function returned into its outcome. `undefined` becomes `null`. */
export function outcomeOfValue(value: unknown): JobOutcome {
  if (value === undefined) return { kind: "result", value: null };
  if (isNoUpdate(value)) return { kind: "noUpdate" };
  const json = toJson(value);
  if (json === undefined) {
    return {
      kind: "error",
      message:
        "The job returned a value that is not JSON (functions, undefined inside objects, NaN, class instances and cycles cannot be sent to the browser)",
    };
  }
  return { kind: "result", value: json };
}

/** Turns what a job function threw into its outcome. */
export function outcomeOfError(error: unknown): JobOutcome {
  if (error instanceof PreventUpdate || (error instanceof Error && error.name === "PreventUpdate")) {
    return { kind: "noUpdate" };
  }
  if (error instanceof Error) {
    return { kind: "error", message: error.message || error.name, ...(error.stack ? { stack: error.stack } : {}) };
  }
  return { kind: "error", message: `Non-error thrown: ${String(error)}` };
}
