import type { CallbackSpec } from "../app/callback-spec.js";
import type { JobOutcome, Json, SideUpdates } from "../manager/contract.js";
import type { UpdatePayload } from "./payload.js";
import { errorText, json, noContent } from "./respond.js";
import { ReturnValueError, responseOf } from "./wire.js";

/** What goes with an outcome in the same response. */
export interface OutcomeExtras {
  readonly sideUpdate?: SideUpdates | undefined;
  /** The last progress the job reported, for its progress outputs (`{"<id>.<prop>": value}`). */
  readonly progress?: Record<string, Json> | undefined;
  /** Fields of a background first response (`cacheKey`, `job`, ...). */
  readonly base?: Record<string, Json>;
  readonly background: boolean;
  readonly debug: boolean;
}

/**
 * The HTTP answer to a callback's outcome: `200` with the outputs that changed, `204` when nothing
 * changed, and an error status — never a silent `204` — for an error or a lost job.
 */
export function respondOutcome(
  spec: CallbackSpec,
  payload: UpdatePayload,
  outcome: JobOutcome,
  extras: OutcomeExtras,
): Response {
  const sideUpdate = extras.sideUpdate && Object.keys(extras.sideUpdate).length > 0 ? extras.sideUpdate : undefined;
  // Progress and side updates made before the end are applied by the renderer before the outputs.
  const { progress } = extras;
  const withSide = (response: Record<string, unknown>) => ({
    ...extras.base,
    multi: true,
    response,
    ...(sideUpdate ? { sideUpdate } : {}),
    ...(progress ? { progress } : {}),
  });
  const extra = sideUpdate !== undefined || progress !== undefined || extras.base !== undefined;
  switch (outcome.kind) {
    case "result": {
      let response: Record<string, Record<string, Json>>;
      try {
        response = responseOf(spec, payload, outcome.value);
      } catch (error) {
        if (error instanceof ReturnValueError) return errorText(500, `InvalidCallbackReturnValue: ${error.message}`);
        throw error;
      }
      if (Object.keys(response).length === 0 && !extra) return noContent();
      return json(withSide(response));
    }
    case "noUpdate":
    case "cancelled":
      return extra ? json(withSide({})) : noContent();
    case "error": {
      const prefix = extras.background
        ? "BackgroundCallbackError: An error occurred inside a background callback: "
        : `Callback error updating ${spec.id}: `;
      const detail = extras.debug && outcome.stack ? `\n${outcome.stack}` : "";
      return errorText(500, `${prefix}${outcome.message}${detail}`);
    }
    case "lost":
      return errorText(500, `BackgroundCallbackError: The background job was lost: ${outcome.reason}`);
  }
}

/** Most ended jobs whose outcome one web process keeps per manager, and for how long. */
const ENDED_MAX = 256;
const ENDED_KEEP_MS = 5_000;

/**
 * Outcomes this web process has read, per manager and job, for a few seconds: an outcome never
 * changes once stored, so a poll of a job that has ended is answered without the backend. Few and
 * short-lived, since a result may be large: a renderer stops polling a job once it has its outcome.
 */
class EndedJobs {
  readonly #byId = new Map<string, { outcome: JobOutcome; until: number }>();

  get(jobId: string): JobOutcome | undefined {
    const entry = this.#byId.get(jobId);
    if (entry === undefined) return undefined;
    if (entry.until >= Date.now()) return entry.outcome;
    this.#byId.delete(jobId);
    return undefined;
  }

  set(jobId: string, outcome: JobOutcome): void {
    // Oldest first in the map, so the first key is the one to drop when full.
    this.#byId.delete(jobId);
    this.#byId.set(jobId, { outcome, until: Date.now() + ENDED_KEEP_MS });
    if (this.#byId.size > ENDED_MAX) this.#byId.delete(this.#byId.keys().next().value as string);
  }
}

const endedBy = new WeakMap<object, EndedJobs>();

/** The outcomes of ended jobs of `manager` that this process has read lately (job ids are per manager). */
export function endedJobsOf(manager: object): EndedJobs {
  let ended = endedBy.get(manager);
  if (ended === undefined) {
    ended = new EndedJobs();
    endedBy.set(manager, ended);
  }
  return ended;
}
