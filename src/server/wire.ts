import type { CallbackSpec } from "../app/callback-spec.js";
import { stringifyId } from "../app/dependencies.js";
import type { JobContext, Json, TriggeredInput } from "../manager/contract.js";
import { isNoUpdate } from "../worker/outcome.js";
import { RequestError, type UpdatePayload, type WireDependency, type WireEntry } from "./payload.js";

const propKey = (dep: WireDependency): string => `${stringifyId(dep.id as never)}.${dep.property.split("@")[0]}`;

const wireValue = (entry: WireEntry): Json =>
  Array.isArray(entry)
    ? entry.map((dep: WireDependency) => dep.value ?? null)
    : ((entry as WireDependency).value ?? null);

/** The callback's arguments: input values, then state values; a wildcard entry gives a list. */
export function argsOf(spec: CallbackSpec, payload: UpdatePayload): Json[] {
  const state = payload.state ?? [];
  if (payload.inputs.length !== spec.inputs.length || state.length !== spec.state.length) {
    throw new RequestError(
      400,
      `Malformed request: callback "${spec.id}" takes ${spec.inputs.length} inputs and ${spec.state.length} states, got ${payload.inputs.length} and ${state.length}`,
    );
  }
  return [...payload.inputs, ...state].map(wireValue);
}

/**
 * Checks that `outputs` has the shape of the callback's outputs: one entry per output, a list only
 * where a wildcard output may match many components.
 */
export function checkTargets(spec: CallbackSpec, payload: UpdatePayload): void {
  if (spec.outputs.length === 0) return;
  const targets = spec.multi ? payload.outputs : [payload.outputs];
  const fits =
    Array.isArray(targets) &&
    targets.length === spec.outputs.length &&
    targets.every(
      (target, index) => target !== undefined && (spec.outputs[index]?.isPattern || !Array.isArray(target)),
    );
  if (!fits) {
    throw new RequestError(
      400,
      `Malformed request: \`outputs\` must list the ${spec.outputs.length} output(s) of callback "${spec.id.slice(0, 200)}"`,
    );
  }
}

/** A record with no prototype: a key named by a request (`__proto__`, `toString`) is only ever its own. */
const record = <T>(): Record<string, T> => Object.create(null) as Record<string, T>;

function flatten(entries: readonly WireEntry[]): Record<string, Json> {
  const out = record<Json>();
  for (const entry of entries) {
    for (const dep of Array.isArray(entry) ? entry : [entry as WireDependency]) out[propKey(dep)] = dep.value ?? null;
  }
  return out;
}

/**
 * The request snapshot a callback sees as `ctx`. `extras` carries what the request alone does not
 * tell: the client's address and the app's `requestData`.
 */
export function contextOf(
  payload: UpdatePayload,
  request: Request,
  path: string,
  extras: Pick<JobContext, "remote" | "custom"> = {},
): JobContext {
  const inputs = flatten(payload.inputs);
  const triggered: TriggeredInput[] = (payload.changedPropIds ?? [])
    .filter((propId) => Object.hasOwn(inputs, propId))
    .map((propId) => ({ propId, value: inputs[propId] ?? null }));
  const headers = record<string>();
  request.headers.forEach((value, name) => {
    if (name !== "cookie" && name !== "authorization") headers[name] = value;
  });
  return {
    triggered,
    inputs,
    states: flatten(payload.state ?? []),
    cookies: parseCookies(request),
    headers,
    path,
    args: pageArgs(request),
    origin: request.headers.get("origin") ?? "",
    remote: extras.remote ?? "",
    ...(extras.custom === undefined ? {} : { custom: extras.custom }),
    ...(payload.outputs === undefined ? {} : { outputs: outputsOf(payload) }),
  };
}

/** The page's outputs, one entry per output of the callback (a list for an `ALL` wildcard), with concrete ids. */
function outputsOf(payload: UpdatePayload): Json[] {
  // A duplicate output's property carries `@<hash>` on the wire; the app named it without.
  const target = (dep: WireDependency): Json => ({ id: dep.id as Json, property: dep.property.split("@")[0] ?? "" });
  // A multi-output callback's `output` is `..a.b...c.d..`; its `outputs` then lists one entry per output.
  const entries = payload.output.startsWith("..")
    ? (payload.outputs as readonly WireEntry[])
    : [payload.outputs as WireEntry];
  return entries.map((entry) => (Array.isArray(entry) ? entry.map(target) : target(entry as WireDependency)));
}

/** The page's query parameters, from the `Referer` the renderer's requests carry (the callback URL only has job handles). */
function pageArgs(request: Request): Record<string, string> {
  const args = record<string>();
  const referer = request.headers.get("referer");
  if (referer === null || !URL.canParse(referer)) return args;
  for (const [name, value] of new URL(referer).searchParams) if (!Object.hasOwn(args, name)) args[name] = value;
  return args;
}

function parseCookies(request: Request): Record<string, string> {
  const cookies = record<string>();
  for (const part of (request.headers.get("cookie") ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim();
    try {
      cookies[name] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      cookies[name] = part.slice(eq + 1).trim();
    }
  }
  return cookies;
}

/** Thrown when a callback returns a value that does not fit its outputs. */
export class ReturnValueError extends Error {}

/** The `response` map of a result: `{ "<id>": { "<prop>": value } }`, leaving out `noUpdate`s. */
export function responseOf(
  spec: CallbackSpec,
  payload: UpdatePayload,
  value: Json,
): Record<string, Record<string, Json>> {
  const response = record<Record<string, Json>>();
  if (spec.outputs.length === 0) {
    if (value !== null)
      throw new ReturnValueError(
        `Callback "${spec.id}" has no outputs, so it must return nothing; it returned ${JSON.stringify(value)?.slice(0, 80)}`,
      );
    return response;
  }
  const targets = (spec.multi ? payload.outputs : [payload.outputs]) as readonly WireEntry[] | undefined;
  const values = spec.multi ? value : [value];
  if (!Array.isArray(values) || !Array.isArray(targets) || values.length !== targets.length) {
    throw new ReturnValueError(
      `Callback "${spec.id}" has ${spec.outputs.length} outputs, so it must return a list of ${spec.outputs.length} values`,
    );
  }
  targets.forEach((target, index) => {
    assign(response, target, values[index] as Json, spec.id);
  });
  return response;
}

function assign(response: Record<string, Record<string, Json>>, target: WireEntry, value: Json, id: string): void {
  if (isNoUpdate(value)) return;
  if (!Array.isArray(target)) {
    const dep = target as WireDependency;
    const key = stringifyId(dep.id as never);
    const props = Object.hasOwn(response, key) ? (response[key] as Record<string, Json>) : record<Json>();
    props[dep.property.split("@")[0] as string] = value;
    response[key] = props;
    return;
  }
  if (!Array.isArray(value) || value.length !== target.length) {
    throw new ReturnValueError(
      `Callback "${id}" has a wildcard output matching ${target.length} components, so it must return a list of ${target.length} values there`,
    );
  }
  target.forEach((dep: WireDependency, index) => {
    assign(response, dep, value[index] as Json, id);
  });
}

/** `{ "<id>.<prop>": value }` for a progress value, as Dash maps it onto the progress outputs. */
export function progressOf(spec: CallbackSpec, value: Json): Record<string, Json> {
  const values = spec.progress.length === 1 ? (Array.isArray(value) && value.length === 1 ? value : [value]) : value;
  const out: Record<string, Json> = {};
  spec.progress.forEach((output, index) => {
    out[`${output}`] = Array.isArray(values) ? (values[index] ?? null) : null;
  });
  return out;
}
