import { describeValue, invalidArgument } from "../errors.js";
import type { Json } from "../manager/contract.js";
import { currentContext } from "../worker/scope.js";
import { Dependency } from "./dependencies.js";
import {
  type ArgsGrouping,
  type DependencyGroup,
  fillGroup,
  flattenValue,
  groupedArg,
  type OutputEntry,
  outputTarget,
  runWithGrouping,
} from "./grouping.js";

/** How a callback's flat wire values map onto its function's parameters and back. */
export interface Signature {
  /** The parameters' shapes: one per parameter; a grouped (object) `inputs` takes one object parameter. */
  readonly params: readonly DependencyGroup[];
  /** The shape of the return value, when the outputs are grouped (anything but a dependency or a list of them). */
  readonly output: DependencyGroup | undefined;
  readonly outputs: readonly Dependency[];
  readonly multi: boolean;
}

const isObjectGroup = (value: unknown): value is Record<string, DependencyGroup> =>
  value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof Dependency);

const topLevel = (value: unknown): readonly DependencyGroup[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [value as DependencyGroup];

/**
 * The parameters of a callback: an object `inputs` (Dash's keyword form) gives one object
 * parameter holding inputs and states by name; otherwise one parameter per entry of `inputs`
 * then `state`, each in the shape of its entry.
 */
export function paramsOf(inputs: unknown, state: unknown): readonly DependencyGroup[] {
  if (!isObjectGroup(inputs)) {
    if (isObjectGroup(state)) {
      throw invalidArgument(
        "callback",
        "Expected `state` to be a list when `inputs` is not an object: group both, or neither",
      );
    }
    return [...topLevel(inputs), ...topLevel(state)];
  }
  if (state !== undefined && !isObjectGroup(state)) {
    throw invalidArgument(
      "callback",
      `Expected \`state\` to be an object like \`inputs\` (the function receives one object), got ${describeValue(state)}`,
    );
  }
  const clash = Object.keys(state ?? {}).find((key) => Object.hasOwn(inputs, key));
  if (clash !== undefined) {
    throw invalidArgument(
      "callback",
      `\`inputs\` and \`state\` both name "${clash}"; the function receives one object`,
    );
  }
  return [{ ...inputs, ...(state as Record<string, DependencyGroup> | undefined) }];
}

/** Whether `output` needs reshaping: an object, or a list holding more than dependencies. */
export function groupedOutput(output: unknown): DependencyGroup | undefined {
  if (isObjectGroup(output)) return output;
  if (Array.isArray(output) && output.some((item) => !(item instanceof Dependency))) return output;
  return undefined;
}

/**
 * Calls the user's function: `lead` first (`setProgress`), then the flat `args` in the shape of its
 * parameters; a grouped return value comes back flat, one value per output. `ctx.argsGrouping`
 * and `ctx.outputsList` work meanwhile.
 */
export function invoke(
  signature: Signature,
  // biome-ignore lint/suspicious/noExplicitAny: user functions take the values of their props
  fn: (...args: any[]) => unknown,
  lead: readonly unknown[],
  args: readonly Json[],
): unknown {
  const start = { at: 0 };
  const values = signature.params.map((param) => fillGroup(param, args, start));
  const triggered = new Set((currentContext().triggered ?? []).map((t) => t.propId));
  const deps = signature.params.flatMap((param) => leaves(param));
  const { inputs = {}, states = {} } = currentContext();
  const grouped = deps.map((dep, index) =>
    groupedArg(dep, args[index] ?? null, triggered, dep.kind === "Input" ? inputs : states),
  );
  const at = { at: 0 };
  const argsGrouping = signature.params.map((param) => fillGroup(param, grouped, at) as ArgsGrouping);
  // The page's concrete ids for wildcard outputs, as Dash's `outputs_list` shows them.
  const wire = currentContext().outputs;
  const outputs = signature.outputs.map((output, index) =>
    output.isPattern && wire?.[index] !== undefined ? (wire[index] as unknown as OutputEntry) : outputTarget(output),
  );
  const grouping = {
    args:
      signature.params.length === 1 && isObjectGroup(signature.params[0])
        ? (argsGrouping[0] as ArgsGrouping)
        : argsGrouping,
    outputs: signature.multi ? outputs : (outputs[0] ?? []),
  };
  return runWithGrouping(grouping, () => {
    const result = fn(...lead, ...values);
    const { output } = signature;
    if (output === undefined) return result;
    return result instanceof Promise
      ? result.then((value) => flattenValue(output, value))
      : flattenValue(output, result);
  });
}

function leaves(group: DependencyGroup): Dependency[] {
  if (group instanceof Dependency) return [group];
  return (Array.isArray(group) ? group : Object.values(group)).flatMap((item: DependencyGroup) => leaves(item));
}
