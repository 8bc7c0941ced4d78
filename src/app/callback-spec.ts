import { createHash } from "node:crypto";
import { describeValue, invalidArgument } from "../errors.js";
import type { BackgroundCallbackManager, Json } from "../manager/contract.js";
import { assertInteger, isJson, MAX_TIMER_MS, toJson } from "../manager/validate.js";
import { Dependency, stringifyId } from "./dependencies.js";
import { type DependencyGroup, flattenGroup } from "./grouping.js";
import { groupedOutput, paramsOf, type Signature } from "./invoke.js";

/** A `running` entry: while the callback runs, `output` is `on`; afterwards it is `off`. */
export type RunningEntry = readonly [output: Dependency, on: Json, off: Json];

/**
 * A `queued` entry: while the job waits in the queue, `output` shows `text(position)` (0: it starts
 * next); once the job starts, it gets `started` (default `null`).
 */
export type QueuedEntry =
  | readonly [output: Dependency, text: (position: number) => Json | Promise<Json>]
  | readonly [output: Dependency, text: (position: number) => Json | Promise<Json>, started: Json];

/** Options of `callback()` and `app.callback()`. */
export interface CallbackOptions {
  /**
   * Where the return value goes. A list means the function returns a list, one value per output;
   * an object (or lists and objects nested) means it returns a value of that shape. Leave out for
   * a callback that only uses `setProps`.
   */
  readonly output?: DependencyGroup;
  /**
   * What runs the callback. Its values are the function's first arguments, in order, each in the
   * shape of its entry; an object gives the function one object argument of that shape (with
   * `state`'s entries too).
   */
  readonly inputs: DependencyGroup;
  /** Values passed after the inputs, without triggering the callback; an object when `inputs` is one. */
  readonly state?: DependencyGroup;
  /** Run on a worker process through a manager, with progress and cancel. @default false */
  readonly background?: boolean;
  /** The manager of this callback; overrides the app's `backgroundCallbackManager`. */
  readonly manager?: BackgroundCallbackManager;
  /** Props set while the callback runs and reset when it ends: `[Output, on, off]` triples. */
  readonly running?: readonly RunningEntry[];
  /** Inputs that cancel the running job (background only). */
  readonly cancel?: Dependency | readonly Dependency[];
  /** Outputs that `setProgress` writes (background only); the function then receives `setProgress` first. */
  readonly progress?: Dependency | readonly Dependency[];
  /** Values the progress outputs get back when the job ends or is cancelled (background only). */
  readonly progressDefault?: Json;
  /**
   * Shows the job's place in the queue (background only): `[Output, (position) => value, started?]`.
   * While the job waits, the output gets the function's value for the number of jobs that start
   * before it (0: it starts next), each time that number changes; once the job starts, it gets
   * `started`, and it gets `started` back when the job ends or is cancelled. The function runs in
   * the web process and returns JSON (a component too). Managers without `position()` show nothing
   * (a warning is logged at start-up). The output may not be one of the callback's outputs or
   * progress outputs; a `running` output is fine (its `off` value then wins at the end).
   * @default started: null
   * @example
   * ```ts
   * queued: [Output("status", "children"), (n) => `${n} jobs ahead of you`, "Running..."]
   * ```
   */
  readonly queued?: QueuedEntry;
  /**
   * Skip the call when the page loads. `"initialDuplicate"` keeps the initial call of a callback
   * with `allowDuplicate` outputs (Dash's `"initial_duplicate"`).
   * @default the app's `preventInitialCallbacks`, else false
   */
  readonly preventInitialCall?: boolean | "initialDuplicate";
  /** Milliseconds between the browser's polls of a background job. @default 1000 */
  readonly interval?: number;
  /** Memoise results by the arguments and these functions' values, computed per request (background only). */
  readonly cacheBy?: readonly (() => Json)[];
  /**
   * Arguments left out of the memoisation key: positions (inputs then states) or `"<id>.<prop>"`
   * names. An ignored input's triggering is left out too.
   */
  readonly cacheArgsToIgnore?: number | string | readonly (number | string)[];
  /**
   * Leave out which inputs triggered the call from the memoisation key (Dash's default); by
   * default a call triggered by another input never gets a result memoised for this one.
   * @default false
   */
  readonly cacheIgnoreTriggered?: boolean;
  /** A newer run of the same outputs cancels the older one; `false` leaves the older one running to its end. @default true */
  readonly cancelPrevious?: boolean;
  /** How long memoised results are kept, in milliseconds. @default 86_400_000 */
  readonly cacheTtlMs?: number;
  /**
   * How long a run may take once it started (Celery's `time_limit`), in milliseconds: then its
   * `signal` aborts, its process is killed after the manager's grace period, and the page gets the
   * error "The job timed out after N s" (or `onError`'s outputs). Time queued does not count.
   * @default no limit
   */
  readonly timeoutMs?: number;
  /**
   * Turns an error of the callback (or of its background job) into outputs: it receives the error,
   * its return value becomes the outputs (`undefined`/`null` leave them), `setProps` works inside.
   * @default the app's `onError`; without one the browser shows the error
   */
  readonly onError?: (error: Error) => unknown;
}

/** A callback function: inputs then states (after `setProgress` when `progress` is set). */
// biome-ignore lint/suspicious/noExplicitAny: user functions take the values of their props
export type CallbackFunction = (...args: any[]) => unknown;

/** A validated callback, ready to list and run. */
export interface CallbackSpec {
  /** The callback id: Dash's output string (`"id.prop"`, `"..a.p...b.q.."`, or a hash for no output). */
  readonly id: string;
  readonly outputs: readonly Dependency[];
  readonly multi: boolean;
  readonly inputs: readonly Dependency[];
  readonly state: readonly Dependency[];
  readonly fn: CallbackFunction;
  readonly options: CallbackOptions;
  readonly background: boolean;
  readonly progress: readonly Dependency[];
  readonly cancel: readonly Dependency[];
  readonly ignoreArgs: readonly number[];
  /** How the flat wire values map onto the function's parameters and return value. */
  readonly signature: Signature;
}

const list = <T>(value: T | readonly T[] | undefined): readonly T[] =>
  value === undefined ? [] : Array.isArray(value) ? (value as readonly T[]) : [value as T];

function deps(name: string, value: unknown, kind: Dependency["kind"]): readonly Dependency[] {
  const items = list(value as Dependency | Dependency[] | undefined);
  for (const item of items) {
    if (!(item instanceof Dependency) || item.kind !== kind) {
      throw invalidArgument("callback", `Expected \`${name}\` to hold ${kind}(...) values, got ${describeValue(item)}`);
    }
  }
  return items;
}

/** Validates `callback()`'s arguments and builds the callback's spec. */
export function buildCallbackSpec(options: CallbackOptions, fn: CallbackFunction): CallbackSpec {
  if (options === null || typeof options !== "object") {
    throw invalidArgument("callback", `Expected \`options\` to be an object, got ${describeValue(options)}`);
  }
  if (typeof fn !== "function") {
    throw invalidArgument("callback", `Expected the callback function, got ${describeValue(fn)}`);
  }
  const outputs = options.output === undefined ? [] : flattenGroup("output", options.output, "Output");
  const inputs = flattenGroup("inputs", options.inputs, "Input");
  if (inputs.length === 0) throw invalidArgument("callback", "Expected `inputs` to hold at least one Input(...)");
  const state = options.state === undefined ? [] : flattenGroup("state", options.state, "State");
  const multi = Array.isArray(options.output) || groupedOutput(options.output) !== undefined;
  const params = paramsOf(options.inputs, options.state);
  checkInitialCall(options.preventInitialCall, outputs, undefined);
  const background = options.background === true;
  const progress = deps("progress", options.progress, "Output");
  const cancel = deps("cancel", options.cancel, "Input");
  checkBackgroundOnly(options, background);
  for (const dep of [...progress, ...cancel]) {
    if (dep.isPattern)
      throw invalidArgument("callback", `\`progress\` and \`cancel\` cannot use wildcard ids, got ${dep}`);
  }
  checkRunning(options.running);
  if (options.onError !== undefined && typeof options.onError !== "function") {
    throw invalidArgument("callback", `Expected \`onError\` to be a function, got ${describeValue(options.onError)}`);
  }
  checkProgressDefault(options.progressDefault, progress.length);
  checkQueued(options.queued, outputs, progress);
  const ignoreArgs = checkCaching(options, [...inputs, ...state]);
  if (options.interval !== undefined) assertInteger("callback", "interval", options.interval, 0);
  return {
    id: callbackId(outputs, multi, inputs),
    outputs,
    multi,
    inputs,
    state,
    fn,
    options,
    background,
    progress,
    cancel,
    ignoreArgs,
    signature: { params, output: groupedOutput(options.output), outputs, multi },
  };
}

/**
 * Dash's rule for `allowDuplicate` outputs: which of several callbacks writes first on page load
 * is not defined, so they must skip the initial call or say they accept it (`"initialDuplicate"`).
 * `appDefault` is the app's `preventInitialCallbacks`; `undefined` while no app is known, and the
 * check then waits for the app unless the callback decides itself.
 * @throws `INVALID_ARGUMENT` naming the output.
 */
export function checkInitialCall(
  own: unknown,
  outputs: readonly Dependency[],
  appDefault: boolean | "initialDuplicate" | undefined,
): void {
  if (own !== undefined && typeof own !== "boolean" && own !== "initialDuplicate") {
    throw invalidArgument(
      "callback",
      `Expected \`preventInitialCall\` to be a boolean or "initialDuplicate", got ${describeValue(own)}`,
    );
  }
  const duplicate = outputs.find((output) => output.allowDuplicate);
  const decided = own ?? appDefault;
  if (duplicate === undefined || decided === undefined || decided !== false) return;
  throw invalidArgument(
    "callback",
    `Output ${duplicate} has \`allowDuplicate\`, which needs \`preventInitialCall: true\` (or "initialDuplicate" to keep the initial call): which callback writes first on page load is not defined`,
  );
}

/** Whether the renderer skips the initial call: only an exact `true` (as Dash sends it). */
export function preventsInitialCall(spec: CallbackSpec, appDefault: boolean | "initialDuplicate" | undefined): boolean {
  return (spec.options.preventInitialCall ?? appDefault) === true;
}

function checkBackgroundOnly(options: CallbackOptions, background: boolean): void {
  if (background) return;
  for (const name of [
    "manager",
    "cancel",
    "progress",
    "progressDefault",
    "cacheBy",
    "cacheArgsToIgnore",
    "cacheIgnoreTriggered",
    "cancelPrevious",
    "interval",
    "timeoutMs",
    "queued",
  ] as const) {
    if (options[name] !== undefined) {
      throw invalidArgument("callback", `\`${name}\` applies to background callbacks only; add \`background: true\``);
    }
  }
}

function checkRunning(running: unknown): void {
  if (running === undefined) return;
  const ok =
    Array.isArray(running) &&
    running.every(
      (entry) =>
        Array.isArray(entry) &&
        entry.length === 3 &&
        entry[0] instanceof Dependency &&
        entry[0].kind === "Output" &&
        toJson(entry[1]) !== undefined &&
        toJson(entry[2]) !== undefined,
    );
  if (!ok) {
    throw invalidArgument(
      "callback",
      `Expected \`running\` to be a list of [Output(...), on, off] triples of JSON values, got ${describeValue(running)}`,
    );
  }
}

function checkProgressDefault(value: unknown, outputs: number): void {
  if (value === undefined) return;
  if (outputs === 0) throw invalidArgument("callback", "`progressDefault` needs `progress` outputs");
  const values = outputs === 1 && !Array.isArray(value) ? [value] : value;
  if (!Array.isArray(values) || values.length !== outputs || !isJson(values)) {
    throw invalidArgument(
      "callback",
      `Expected \`progressDefault\` to be a list of ${outputs} JSON values (one per progress output), got ${describeValue(value)}`,
    );
  }
}

function checkQueued(queued: unknown, outputs: readonly Dependency[], progress: readonly Dependency[]): void {
  if (queued === undefined) return;
  const entry = queued as readonly unknown[];
  const output = Array.isArray(entry) ? entry[0] : undefined;
  const ok =
    Array.isArray(entry) &&
    (entry.length === 2 || entry.length === 3) &&
    output instanceof Dependency &&
    output.kind === "Output" &&
    typeof entry[1] === "function" &&
    (entry.length === 2 || toJson(entry[2]) !== undefined);
  if (!ok) {
    throw invalidArgument(
      "callback",
      `Expected \`queued\` to be [Output(...), (position) => value] or [Output(...), (position) => value, started] with a JSON \`started\`, got ${describeValue(queued)}`,
    );
  }
  if (output.isPattern) throw invalidArgument("callback", `\`queued\` cannot use a wildcard id, got ${output}`);
  const clash = [...outputs, ...progress].find((dep) => `${dep}` === `${output}`);
  if (clash !== undefined) {
    const role = outputs.includes(clash) ? "one of the callback's outputs" : "a progress output";
    throw invalidArgument(
      "callback",
      `\`queued\` output ${output} is ${role}; the result would overwrite the queue position: show it in another component`,
    );
  }
}

function checkCaching(options: CallbackOptions, args: readonly Dependency[]): number[] {
  if (
    options.cacheBy !== undefined &&
    (!Array.isArray(options.cacheBy) || !options.cacheBy.every((f) => typeof f === "function"))
  ) {
    throw invalidArgument(
      "callback",
      `Expected \`cacheBy\` to be a list of functions, got ${describeValue(options.cacheBy)}`,
    );
  }
  if (options.cacheTtlMs !== undefined) assertInteger("callback", "cacheTtlMs", options.cacheTtlMs, 1);
  if (options.timeoutMs !== undefined) assertInteger("callback", "timeoutMs", options.timeoutMs, 1, MAX_TIMER_MS);
  for (const name of ["cacheIgnoreTriggered", "cancelPrevious"] as const) {
    const value = options[name];
    if (value !== undefined && typeof value !== "boolean")
      throw invalidArgument("callback", `Expected \`${name}\` to be a boolean, got ${describeValue(value)}`);
  }
  return list(options.cacheArgsToIgnore).map((item) => argPosition(item, args));
}

/** The position of an argument named by position or by `"<id>.<prop>"`. */
function argPosition(item: number | string, args: readonly Dependency[]): number {
  if (typeof item !== "string") {
    assertInteger("callback", "cacheArgsToIgnore", item, 0, args.length - 1);
    return item;
  }
  const index = args.findIndex((dep) => `${dep}` === item);
  if (index < 0) {
    const names = args.map((dep) => `"${dep}"`).join(", ");
    throw invalidArgument(
      "callback",
      `Expected \`cacheArgsToIgnore\` to name an input or state (${names}), got "${item}"`,
    );
  }
  return index;
}

/** Dash's callback id: what `/_dash-dependencies` calls `output`. */
function callbackId(outputs: readonly Dependency[], multi: boolean, inputs: readonly Dependency[]): string {
  const inputsHash = () =>
    createHash("sha256")
      .update(inputs.map((input) => `${input}`).join(","))
      .digest("hex");
  if (outputs.length === 0) return inputsHash();
  const one = (output: Dependency) =>
    `${stringifyId(output.id).replaceAll(".", "\\.")}.${output.property}${output.allowDuplicate ? `@${inputsHash()}` : ""}`;
  return multi ? `..${outputs.map(one).join("...")}..` : one(outputs[0] as Dependency);
}
