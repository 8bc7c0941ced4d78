import type { BackgroundCallbackManager } from "../manager/contract.js";

/** One first response being prepared: a background job submitted (or being submitted) for a page. */
export interface Start {
  readonly endId: string;
  readonly callbackId: string;
  readonly manager: BackgroundCallbackManager;
  /** Known once the submit resolved. */
  jobId?: string;
  /** A cancel input of the page fired meanwhile: the job is cancelled as soon as its id is known. */
  cancelled: boolean;
  /** `performance.now()` when its first response was answered. */
  answeredAt?: number;
}

/** A cancel request of a page: when it arrived, and the background callbacks it may cancel. */
interface Cancel {
  readonly at: number;
  readonly callbackIds: readonly string[];
}

/** Pages followed at most, in each map; the oldest is dropped first (its starts can no longer be cancelled early). */
const MAX_PAGES = 10_000;
/** How long a cancel request is remembered for start requests that arrived before it but were slower to get here. */
const CANCEL_MEMORY_MS = 10_000;
/**
 * How long a start is followed after its first response was sent, unless a poll of the job comes
 * first: the renderer may have sent a cancel before that response reached it.
 */
const ANSWERED_KEEP_MS = 10_000;

/** Adds `value` to the set of `key`, dropping the oldest key when the map is full. */
function addTo<T>(map: Map<string, T[]>, key: string, value: T): void {
  let values = map.get(key);
  if (values === undefined) {
    if (map.size >= MAX_PAGES) map.delete(map.keys().next().value as string);
    values = [];
    map.set(key, values);
  }
  values.push(value);
}

/**
 * The first responses a web process is preparing, by page load (`endId`). The renderer learns a
 * job's handles from its first response only, and a callback's running state enables its cancel
 * button at the click: a cancel clicked before that response arrived sends no `cancelJob`, and the
 * job would run to its end. The hidden cancel callback's request finds such jobs here instead: the
 * starts being prepared, starts that arrived before the cancel but are slower to submit, and starts
 * answered but not polled yet (the response may still have been on its way to the page).
 * Only this web process's starts are found: behind a load balancer, the start and the cancel of a
 * page reach the same process only with sticky sessions.
 */
export class Starting {
  readonly #starts = new Map<string, Start[]>();
  readonly #cancels = new Map<string, Cancel[]>();

  /**
   * Follows a start of `callbackId` for the page `endId` until {@link end}. `arrivedAt`
   * (`performance.now()` when its request came in): a cancel of the page that came later is
   * applied to it too.
   */
  begin(endId: string, callbackId: string, manager: BackgroundCallbackManager, arrivedAt: number): Start {
    const cancelled = (this.#cancels.get(endId) ?? []).some(
      (cancel) => cancel.at > arrivedAt && cancel.callbackIds.includes(callbackId),
    );
    const start: Start = { endId, callbackId, manager, cancelled };
    this.#prune(endId);
    addTo(this.#starts, endId, start);
    return start;
  }

  /** The submit resolved: a start cancelled meanwhile is cancelled now. */
  async submitted(start: Start, jobId: string): Promise<void> {
    start.jobId = jobId;
    if (start.cancelled) await start.manager.cancel(jobId);
  }

  /** The first response is answered: the page knows the job once it has read it. */
  answered(start: Start): void {
    start.answeredAt = performance.now();
  }

  /** A poll of the job came: the page knows it, and names it in its cancels from now on. */
  polled(endId: string, jobId: string): void {
    const starts = this.#starts.get(endId);
    if (starts === undefined) return;
    const index = starts.findIndex((start) => start.jobId === jobId);
    if (index >= 0) starts.splice(index, 1);
    if (starts.length === 0) this.#starts.delete(endId);
  }

  /** Drops the page's starts answered longer ago than {@link ANSWERED_KEEP_MS}. */
  #prune(endId: string): void {
    const starts = this.#starts.get(endId);
    if (starts === undefined) return;
    const now = performance.now();
    const kept = starts.filter((start) => start.answeredAt === undefined || now - start.answeredAt < ANSWERED_KEEP_MS);
    if (kept.length === 0) this.#starts.delete(endId);
    else if (kept.length < starts.length) this.#starts.set(endId, kept);
  }

  /**
   * Cancels the page's starts of these callbacks: those submitted now, the others once their id is
   * known, and those whose request arrived before `at` but begins later.
   */
  async cancel(endId: string, callbackIds: readonly string[], at: number): Promise<void> {
    if (callbackIds.length === 0) return;
    const recent = (this.#cancels.get(endId) ?? []).filter((cancel) => at - cancel.at < CANCEL_MEMORY_MS);
    this.#cancels.delete(endId);
    for (const cancel of [...recent, { at, callbackIds }]) addTo(this.#cancels, endId, cancel);
    this.#prune(endId);
    const cancels: Promise<void>[] = [];
    for (const start of this.#starts.get(endId) ?? []) {
      if (start.cancelled || !callbackIds.includes(start.callbackId)) continue;
      start.cancelled = true;
      if (start.jobId !== undefined) cancels.push(start.manager.cancel(start.jobId));
    }
    await Promise.all(cancels);
  }
}
