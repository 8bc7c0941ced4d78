import { registerJob } from "../worker/registry.js";
import {
  buildCallbackSpec,
  type CallbackFunction,
  type CallbackOptions,
  type CallbackSpec,
  checkInitialCall,
} from "./callback-spec.js";
import { jobFunctionOf } from "./job-function.js";

const globalCallbacks: CallbackSpec[] = [];

/**
 * Validates a callback, and registers its job function when it runs in the background.
 * `appDefault` is the app's `preventInitialCallbacks` (`undefined` for a global callback, whose
 * app is not known yet).
 */
export function defineCallback(
  options: CallbackOptions,
  fn: CallbackFunction,
  appDefault?: boolean | "initialDuplicate",
): CallbackSpec {
  const spec = buildCallbackSpec(options, fn);
  checkInitialCall(options.preventInitialCall, spec.outputs, appDefault);
  if (spec.background) registerJob(spec.id, jobFunctionOf(spec));
  return spec;
}

/**
 * Registers a callback for every app (like `dash.callback`): each `Dash` app picks the global
 * callbacks up when it starts serving. Worker processes register the same job functions.
 *
 * @returns the function, so it can be used as a value too.
 * @throws `INVALID_ARGUMENT` for bad options, with the option named.
 * @example
 * ```ts
 * callback({ output: Output("out", "children"), inputs: Input("btn", "n_clicks") }, (n) => `Clicked ${n} times`);
 * ```
 */
export function callback<F extends CallbackFunction>(options: CallbackOptions, fn: F): F {
  globalCallbacks.push(defineCallback(options, fn));
  return fn;
}

/** The callbacks registered with {@link callback}, in order. */
export function globalCallbackSpecs(): readonly CallbackSpec[] {
  return globalCallbacks;
}
