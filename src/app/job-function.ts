import { describeValue, invalidArgument } from "../errors.js";
import { isNoUpdate } from "../worker/outcome.js";
import type { JobFunction } from "../worker/registry.js";
import type { CallbackSpec } from "./callback-spec.js";
import { invoke } from "./invoke.js";
import type { PropValue } from "./patch.js";

/**
 * The job function of a background callback: calls the user's function with `setProgress` first
 * (when the callback has `progress`), then the inputs and states in the shape of its signature.
 */
export function jobFunctionOf(spec: CallbackSpec): JobFunction {
  const count = spec.progress.length;
  return (args, tools) => {
    if (count === 0) return invoke(spec.signature, spec.fn, [], args);
    const setProgress = (value: PropValue | readonly PropValue[]) => {
      // `noUpdate` as a whole leaves every progress output as it is (Dash #2846).
      if (count > 1 && !isNoUpdate(value) && (!Array.isArray(value) || value.length !== count)) {
        throw invalidArgument(
          "setProgress",
          `Callback "${spec.id}" has ${count} progress outputs, so setProgress() takes a list of ${count} values, got ${describeValue(value)}`,
        );
      }
      tools.setProgress(value);
    };
    return invoke(spec.signature, spec.fn, [setProgress], args);
  };
}
