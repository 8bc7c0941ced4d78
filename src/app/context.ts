import type { JobContext, Json, TriggeredInput } from "../manager/contract.js";
import { currentContext, currentJob } from "../worker/scope.js";
import { type ArgsGrouping, currentGrouping, type OutputEntry } from "./grouping.js";

const neverAborted = new AbortController().signal;

/** Splits `"<id>.<prop>"` into the id (parsed when it is a dict id) and the prop. */
export function parsePropId(propId: string): { id: string | Record<string, Json>; property: string } {
  const cut = propId.startsWith("{") ? propId.lastIndexOf("}") + 1 : propId.lastIndexOf(".");
  const idText = propId.slice(0, cut);
  const property = propId.slice(cut).replace(/^\./, "");
  if (!propId.startsWith("{")) return { id: idText, property };
  try {
    return { id: JSON.parse(idText) as Record<string, Json>, property };
  } catch {
    return { id: idText, property };
  }
}

/**
 * What the running callback knows about its request, like Dash's `ctx`. Works in normal callbacks
 * and inside background jobs (where it is the snapshot of the request that started the job).
 *
 * @example
 * ```ts
 * callback({ output: Output("out", "children"), inputs: [Input("a", "n_clicks"), Input("b", "n_clicks")] }, () =>
 *   `clicked ${ctx.triggeredId}`);
 * ```
 */
export const ctx = Object.freeze({
  /** The inputs that changed, as `{ propId, value }`; empty on the initial call. */
  get triggered(): readonly TriggeredInput[] {
    return current().triggered ?? [];
  },
  /** The id of the component that triggered the call (a dict id for pattern-matching), or `null`. */
  get triggeredId(): string | Record<string, Json> | null {
    const first = current().triggered?.[0];
    return first === undefined ? null : parsePropId(first.propId).id;
  },
  /** `{ "<id>.<prop>": id }` for every triggering input. */
  get triggeredPropIds(): Record<string, string | Record<string, Json>> {
    return Object.fromEntries((current().triggered ?? []).map((t) => [t.propId, parsePropId(t.propId).id]));
  },
  /** Input values by `"<id>.<prop>"`. */
  get inputs(): Readonly<Record<string, Json>> {
    return current().inputs ?? {};
  },
  /** State values by `"<id>.<prop>"`. */
  get states(): Readonly<Record<string, Json>> {
    return current().states ?? {};
  },
  /** The request's cookies. */
  get cookies(): Readonly<Record<string, string>> {
    return current().cookies ?? {};
  },
  /** The request's headers (lower-case names). */
  get headers(): Readonly<Record<string, string>> {
    return current().headers ?? {};
  },
  /**
   * Aborted when the running background job is cancelled (or replaced by a newer run): stop soon
   * after, or its process is killed after the grace period. Never aborts in a normal callback.
   */
  get signal(): AbortSignal {
    return currentJob()?.signal ?? neverAborted;
  },
  /** The request path. */
  get path(): string {
    return current().path ?? "";
  },
  /**
   * The query parameters of the page the request came from, by name (first value of each). Dash's
   * `ctx.args` holds the callback request's own query instead, which only carries job handles.
   */
  get args(): Readonly<Record<string, string>> {
    return current().args ?? {};
  },
  /** The address of the client (of the last proxy, behind one); `""` when the server does not know it. */
  get remote(): string {
    return current().remote ?? "";
  },
  /** The request's `Origin` header, or `""`. */
  get origin(): string {
    return current().origin ?? "";
  },
  /**
   * What the app's `requestData` hook returned for the request (Dash's `custom_data`): the way to
   * hand a background job per-request facts such as a user id without handing it the cookies.
   */
  get custom(): Readonly<Record<string, Json>> {
    return current().custom ?? {};
  },
  /**
   * The arguments in the shape of the callback's `inputs` and `state` (Dash's `args_grouping`):
   * each leaf `{ id, idStr, property, value, triggered }`; an object for an object `inputs`, else
   * a list with one entry per parameter.
   */
  get argsGrouping(): ArgsGrouping | readonly ArgsGrouping[] {
    return currentGrouping().args;
  },
  /** The outputs as `{ id, property }`: one for a single output, else a list (Dash's `outputs_list`). */
  get outputsList(): OutputEntry | readonly OutputEntry[] {
    return currentGrouping().outputs;
  },
});

function current(): JobContext {
  return currentContext();
}
