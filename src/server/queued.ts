import type { CallbackSpec, QueuedEntry } from "../app/callback-spec.js";
import { stringifyId } from "../app/dependencies.js";
import { describeValue } from "../errors.js";
import type { BackgroundCallbackManager, Json, SideUpdates } from "../manager/contract.js";
import { toJson } from "../manager/validate.js";

/**
 * How often a long poll of a queued job asks the manager for its position when a job ahead starting
 * wakes no watch (a manager without `capabilities.queueWatch`).
 */
export const QUEUED_RECHECK_MS = 200;

/**
 * The shortest time between two position reads of a waiting long poll woken by the queue moving
 * (a manager with `capabilities.queueWatch`): the first move after a quiet spell is read at once, a
 * queue that starts hundreds of jobs a second costs each waiting page 10 reads a second at most
 * (every page of a long line reads at each move: this bounds what thousands of them cost the
 * backend), and a quiet one none. The job's own start, when it wakes such a watch within this time
 * of a move, reaches the page that much later at most.
 */
export const QUEUE_MOVES_EVERY_MS = 100;

/** Most jobs whose last told position one web process remembers; forgetting one costs one early answer. */
const MAX_REMEMBERED = 10_000;

const STARTED = "started";

/**
 * What this web process last told a page about a job's place in the queue: a position, or that
 * it started. Pages of other processes are not known here: a process that told nothing answers
 * with the current position at once, so a page never keeps a stale one for long.
 */
class Told {
  readonly #told = new Map<string, number | typeof STARTED>();

  get(jobId: string): number | typeof STARTED | undefined {
    return this.#told.get(jobId);
  }

  set(jobId: string, value: number | typeof STARTED): void {
    // Newest last, so the oldest is dropped first when the map is full.
    this.#told.delete(jobId);
    this.#told.set(jobId, value);
    if (this.#told.size > MAX_REMEMBERED) this.#told.delete(this.#told.keys().next().value as string);
  }

  delete(jobId: string): void {
    this.#told.delete(jobId);
  }
}

const toldBy = new WeakMap<BackgroundCallbackManager, Told>();

function toldOf(manager: BackgroundCallbackManager): Told {
  let told = toldBy.get(manager);
  if (told === undefined) {
    told = new Told();
    toldBy.set(manager, told);
  }
  return told;
}

/** The queue position of one job, as one answer (a first response or a poll) tells it to the page. */
export interface QueuedWatch {
  /**
   * Whether the job was queued when last checked: then a wait re-checks at each move of the queue
   * (a manager with `capabilities.queueWatch`), else every {@link QUEUED_RECHECK_MS}.
   */
  readonly queued: boolean;
  /** The side update the page needs now — a new position, or the `started` value once — if any. */
  check(): Promise<SideUpdates | undefined>;
  /** The answer did not reach the page (it went away): the next answer tells it again. */
  forget(): void;
  /** The job ended: nothing more to tell. */
  ended(): void;
}

/**
 * The queue watch of a job of `spec`, when the callback has `queued` and its manager has
 * `position()`; else `undefined`.
 */
export function queuedWatch(
  spec: CallbackSpec,
  manager: BackgroundCallbackManager,
  jobId: string,
  log: (message: string, error?: unknown) => void,
): QueuedWatch | undefined {
  const entry = spec.options.queued;
  if (entry === undefined || typeof manager.position !== "function") return undefined;
  const told = toldOf(manager);
  let queued = false;
  let mine = false;
  return {
    get queued() {
      return queued;
    },
    async check() {
      // A job that runs never waits in the queue again: no need to ask.
      if (told.get(jobId) === STARTED) {
        queued = false;
        return undefined;
      }
      let position: number | undefined;
      try {
        position = await (manager.position as (jobId: string) => Promise<number | undefined>).call(manager, jobId);
      } catch {
        // Backend trouble: nothing to tell now; take() reports the outage.
        return undefined;
      }
      queued = position !== undefined;
      const now = position ?? STARTED;
      if (told.get(jobId) === now) return undefined;
      told.set(jobId, now);
      mine = true;
      const value = position === undefined ? startedValue(entry) : await textOf(spec, entry, position, log);
      return value === undefined ? undefined : sideUpdateOf(entry, value);
    },
    forget() {
      if (mine) told.delete(jobId);
    },
    ended() {
      told.delete(jobId);
    },
  };
}

function startedValue(entry: QueuedEntry): Json {
  return entry.length === 3 ? (toJson(entry[2]) ?? null) : null;
}

/** The function's value for `position`; `undefined` (and a log line) when it throws or returns no JSON. */
async function textOf(
  spec: CallbackSpec,
  entry: QueuedEntry,
  position: number,
  log: (message: string, error?: unknown) => void,
): Promise<Json | undefined> {
  try {
    const returned: unknown = await entry[1](position);
    const value = toJson(returned);
    if (value === undefined) {
      log(
        `Callback "${spec.id}": its \`queued\` function returned ${describeValue(returned)} for position ${position}; expected a JSON value (the page is not updated)`,
      );
    }
    return value;
  } catch (error) {
    log(
      `Callback "${spec.id}": its \`queued\` function threw for position ${position} (the page is not updated)`,
      error,
    );
    return undefined;
  }
}

function sideUpdateOf(entry: QueuedEntry, value: Json): SideUpdates {
  const [output] = entry;
  return { [stringifyId(output.id)]: { [output.property]: value } };
}

/**
 * What the renderer puts back when the job ends or is cancelled (it applies a first response's
 * `progressDefault` then): the `started` value — unless a `running` entry owns that prop, whose
 * `off` value is then the last word.
 */
export function queuedDefault(spec: CallbackSpec): Record<string, Json> {
  const entry = spec.options.queued;
  if (entry === undefined) return {};
  const key = `${entry[0]}`;
  if (spec.options.running?.some(([output]) => `${output}` === key)) return {};
  return { [key]: startedValue(entry) };
}

/**
 * Logs once, at start-up, for each callback with `queued` whose manager cannot tell positions:
 * the option then shows nothing.
 */
export function warnQueuedWithoutPosition(
  callbacks: readonly CallbackSpec[],
  managerOf: (spec: CallbackSpec) => BackgroundCallbackManager,
  log: ((message: string) => void) | undefined,
): void {
  for (const spec of callbacks) {
    if (!spec.background || spec.options.queued === undefined) continue;
    const manager = managerOf(spec);
    if (typeof manager.position === "function") continue;
    log?.(
      `Callback "${spec.id}" has \`queued\`, but its manager (${manager.constructor.name}) has no position(): the page will not show queue positions`,
    );
  }
}
