import { randomBytes } from "node:crypto";
import { BackgroundCallbackError } from "../errors.js";
import type { BackgroundCallbackManager } from "../manager/contract.js";
import type { ServedApp } from "../server/handler.js";
import { warnQueuedWithoutPosition } from "../server/queued.js";
import { SharedSigner } from "../server/shared-signer.js";
import { noUpdate } from "../worker/outcome.js";
import { buildCallbackSpec, type CallbackSpec, checkInitialCall, preventsInitialCall } from "./callback-spec.js";
import { type Dependency, Output } from "./dependencies.js";

/** What an app brings to its set-up. */
export interface SetUpInput {
  readonly callbacks: readonly CallbackSpec[];
  readonly manager: BackgroundCallbackManager | undefined;
  readonly secret: string | undefined;
  /** The app's default `preventInitialCall`. @default false */
  readonly preventInitialCallbacks?: boolean | "initialDuplicate";
  /** Where the signer reports a changed or unreadable shared secret. */
  readonly log?: (message: string, error?: unknown) => void;
}

/**
 * Prepares an app to serve: checks its callbacks (duplicate outputs, background ones without a
 * manager), adds the hidden cancel callbacks, lists the dependencies, and picks the signing secret.
 */
export async function setUp(input: SetUpInput): Promise<ServedApp> {
  const managerOf = (spec: CallbackSpec): BackgroundCallbackManager => {
    const manager = spec.options.manager ?? input.manager;
    if (manager === undefined) {
      throw new BackgroundCallbackError(
        "NOT_SUPPORTED",
        `[background-callbacks:app] Background callback "${spec.id}" has no manager: pass \`backgroundCallbackManager\` to new Dash(...) or \`manager\` to the callback`,
      );
    }
    return manager;
  };
  const appDefault = input.preventInitialCallbacks ?? false;
  for (const spec of input.callbacks) checkInitialCall(spec.options.preventInitialCall, spec.outputs, appDefault);
  checkOutputs(input.callbacks);
  const managers = [...new Set(input.callbacks.filter((spec) => spec.background).map(managerOf))];
  warnQueuedWithoutPosition(input.callbacks, managerOf, input.log);
  const cancels = cancelCallbacks(input.callbacks);
  const all = [...input.callbacks, ...cancels];
  const callbacks = new Map(all.map((spec) => [spec.id, spec]));
  return {
    callbacks,
    cancelCallbacks: new Set(cancels.map((spec) => spec.id)),
    cancelTargets: cancelTargets(all),
    dependencies: all.map((spec) => dependencyEntry(spec, cancels.includes(spec), appDefault)),
    managers,
    signer: await signer(input, managers),
    managerOf,
  };
}

/**
 * The signer: with the app's own secret, or the one the manager keeps for all web processes (and
 * re-reads to converge with them), else a random one for this process alone.
 */
async function signer(input: SetUpInput, managers: readonly BackgroundCallbackManager[]): Promise<SharedSigner> {
  if (input.secret !== undefined) return new SharedSigner(input.secret);
  const keeper = managers.find((manager) => typeof manager.sharedSecret === "function");
  if (keeper?.sharedSecret === undefined) return new SharedSigner(randomBytes(32).toString("base64url"));
  const read = () => (keeper.sharedSecret as () => Promise<string>).call(keeper);
  return new SharedSigner(await read(), { read, log: input.log });
}

/**
 * For each callback, the background callbacks whose jobs its requests may cancel: the renderer
 * sends `cancelJob` for every tracked job whose cancel inputs overlap the callback's inputs.
 */
function cancelTargets(callbacks: readonly CallbackSpec[]): Map<string, readonly string[]> {
  const targets = new Map<string, readonly string[]>();
  for (const spec of callbacks) {
    const inputs = new Set(spec.inputs.map((input) => `${input}`));
    const ids = callbacks
      .filter((other) => other.background && other.cancel.some((input) => inputs.has(`${input}`)))
      .map((other) => other.id);
    if (ids.length > 0) targets.set(spec.id, ids);
  }
  return targets;
}

function checkOutputs(callbacks: readonly CallbackSpec[]): void {
  const seen = new Map<string, string>();
  for (const spec of callbacks) {
    for (const output of spec.outputs) {
      if (output.allowDuplicate) continue;
      const key = `${output}`;
      const other = seen.get(key);
      if (other !== undefined) {
        throw new BackgroundCallbackError(
          "NOT_SUPPORTED",
          `[background-callbacks:app] Output ${key} is written by two callbacks ("${other}" and "${spec.id}"); pass Output(..., { allowDuplicate: true }) to both`,
        );
      }
      seen.set(key, spec.id);
    }
  }
}

/** One hidden callback per distinct cancel input: its request carries `cancelJob` for the renderer's tracked jobs. */
function cancelCallbacks(callbacks: readonly CallbackSpec[]): CallbackSpec[] {
  const inputs = new Map<string, Dependency>();
  for (const spec of callbacks) for (const input of spec.cancel) inputs.set(`${input}`, input);
  return [...inputs.values()].map((input) =>
    buildCallbackSpec({ output: Output(input.id, "id"), inputs: input, preventInitialCall: true }, () => noUpdate),
  );
}

function dependencyEntry(
  spec: CallbackSpec,
  hidden: boolean,
  appDefault: boolean | "initialDuplicate",
): Record<string, unknown> {
  const { options } = spec;
  return {
    output: spec.id,
    inputs: spec.inputs.map((dep) => dep.toJSON()),
    state: spec.state.map((dep) => dep.toJSON()),
    clientside_function: null,
    prevent_initial_call: preventsInitialCall(spec, appDefault),
    background: spec.background ? { interval: options.interval ?? 1000 } : null,
    dynamic_creator: null,
    no_output: spec.outputs.length === 0,
    optional: false,
    hidden,
    websocket: false,
    persistent: false,
    ...(options.running && options.running.length > 0
      ? {
          running: {
            running: Object.fromEntries(options.running.map(([output, on]) => [`${output}`, on])),
            runningOff: Object.fromEntries(options.running.map(([output, , off]) => [`${output}`, off])),
          },
        }
      : {}),
  };
}
