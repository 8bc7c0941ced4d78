import { type JobUpdate, Watchers } from "../../src/index.js";
import { isCluster, type RedisClient } from "./options.js";
import { closeClient, type OwnedClient } from "./redis.js";
import { NOT_ENDED, OUTCOME_AFTER } from "./scripts.js";

/** How many jobs submitted here {@link News} follows at most (the oldest go first). */
const FRESH_MAX = 4_096;
/** How long {@link News} follows a job submitted here, at most. */
const FRESH_KEEP_MS = 60_000;
/** How many started jobs {@link News} remembers, so that their progress does not count as the queue moving. */
const STARTED_MAX = 4_096;

/** What the news told of a job this process submitted (see {@link News.known}). */
interface Fresh {
  readonly at: number;
  /** The signals of its watches, while it had no news. */
  readonly signals: AbortSignal[];
  /** Some news came, or its first take was asked: no more "nothing new" answers. */
  news: boolean;
  /** The outcome the news carried (JSON), when the job ended with nothing left to take but it. */
  outcome?: string;
  /** When that news came. */
  endedAt?: number;
}

/**
 * The web side of `watch`: the pending watches of one manager and ONE subscriber connection that
 * turns messages on the queue's news channel (job ids, published by the scripts that write) into
 * wake-ups of the watches of that job. The connection is created on the first watch, never per
 * watch or per poll, and closed with the manager.
 *
 * A watch that starts while the subscription is not confirmed (the first watch, or during an
 * outage) ends as soon as it is: its caller reads again, then watches with the subscription live,
 * so news written after that read is always delivered. A lost connection ends every watch (callers
 * read, and find the outage), and so does each new confirmation after a reconnect.
 */
export class News {
  /**
   * Jobs this process submitted while the subscription was live, and what their news told since:
   * see {@link News.known}. At most {@link FRESH_MAX}, each for {@link FRESH_KEEP_MS} at most.
   */
  readonly #fresh = new Map<string, Fresh>();
  readonly #watchers = new Watchers();
  /** Watches that wait for the outcome only: news of a start or progress leaves them pending. */
  readonly #outcomes = new Watchers();
  /** Watches that also end when the queue moves (see {@link News.watch}). */
  readonly #moves = new Watchers();
  /** Jobs whose start this process heard and whose end it did not, oldest first. */
  readonly #started = new Set<string>();
  readonly #channel: string;
  #sub: OwnedClient | undefined;
  #subscribing: Promise<void> | undefined;
  #live = false;
  #closed = false;

  constructor(channel: string) {
    this.#channel = channel;
  }

  /** Pending watches (for tests and metrics). */
  get size(): number {
    return this.#watchers.size + this.#outcomes.size + this.#moves.size;
  }

  /** Whether the subscription is confirmed: news published from now on reaches the watches. */
  get live(): boolean {
    return this.#live;
  }

  /**
   * Resolves at news of `jobId` (`outcome`: at its end only), when `signal` aborts, at a
   * (re)subscription, a disconnect or `close()`; with `queue`, also when the queue moves: news of
   * another job's start, or of the end of one whose start was not heard (it left the queue).
   */
  watch(jobId: string, signal: AbortSignal, outcome = false, queue = false): Promise<void> {
    const fresh = this.#fresh.get(jobId);
    if (fresh !== undefined && !fresh.news) fresh.signals.push(signal);
    return (queue ? this.#moves : outcome ? this.#outcomes : this.#watchers).watch(jobId, signal);
  }

  /** Ends the watches of `jobId` at once (a change this process made itself). */
  notify(jobId: string): void {
    this.#fresh.delete(jobId);
    this.#watchers.notify(jobId);
    this.#outcomes.notify(jobId);
    this.#moves.notify(jobId);
  }

  /**
   * A job's record is about to be written by a submit of this process (call it before the record's
   * script is sent). While the subscription is live, every news of the job that Redis publishes
   * from then on reaches this process, in order, so it knows whether there was any.
   */
  submitting(jobId: string): void {
    if (!this.#live) return;
    const now = Date.now();
    const oldest = this.#fresh.entries().next().value;
    if (oldest !== undefined && (this.#fresh.size >= FRESH_MAX || now - oldest[1].at > FRESH_KEEP_MS)) {
      this.#fresh.delete(oldest[0]);
    }
    this.#fresh.set(jobId, { at: now, signals: [], news: false });
  }

  /** The submit wrote no queued record (a memoised result, another epoch, a failure), or a cancel was sent. */
  forget(jobId: string): void {
    this.#fresh.delete(jobId);
  }

  /**
   * What a take of `jobId` would read in Redis, when this process knows it from the news; else
   * undefined (the take reads Redis). Two cases, for a job this process submitted:
   *
   * - its outcome, once the news of its end carried it: an outcome is final, and the news carries
   *   it only when the job left nothing else to take (no progress, no side updates); nothing is
   *   written after an outcome. The first take less than `withinMs` after that news answers it
   *   (the record lives `ttlMs` from then: `withinMs` is shorter).
   * - "queued, nothing new" (`{}`) for its first take, when that take comes less than `withinMs`
   *   after the submit, the subscription has been live since before the job's record was written,
   *   no news of the job came since (no start, progress, side update, outcome or cancel: each is
   *   published in the step that writes it), and one of its watches is pending, so news already on
   *   its way wakes that watch and its caller takes again.
   */
  known(jobId: string, withinMs: number): JobUpdate | undefined {
    const fresh = this.#fresh.get(jobId);
    if (fresh === undefined) return undefined;
    if (fresh.outcome !== undefined) {
      this.#fresh.delete(jobId);
      const recent = Date.now() - (fresh.endedAt ?? 0) < withinMs;
      return recent ? { outcome: JSON.parse(fresh.outcome) as JobUpdate["outcome"] } : undefined;
    }
    if (fresh.news) return undefined;
    fresh.news = true;
    const quiet = this.#live && Date.now() - fresh.at < withinMs && fresh.signals.some((signal) => !signal.aborted);
    return quiet ? {} : undefined;
  }

  /** News of a job: `outcome` when it ended with that and nothing else to take. */
  #heard(jobId: string, ended: boolean, outcome?: string): void {
    const fresh = this.#fresh.get(jobId);
    if (fresh !== undefined) {
      fresh.news = true;
      fresh.signals.length = 0;
      if (outcome !== undefined) {
        fresh.outcome = outcome;
        fresh.endedAt = Date.now();
      } else if (ended) this.#fresh.delete(jobId);
    }
    this.#watchers.notify(jobId);
    this.#moves.notify(jobId);
    if (ended) this.#outcomes.notify(jobId);
    // A start moves the queue; so does the end of a job not heard starting (a cancel while queued).
    // Progress and side updates of a started job do not.
    const moved = ended ? !this.#started.delete(jobId) : !this.#started.has(jobId);
    if (!ended && moved) {
      this.#started.add(jobId);
      if (this.#started.size > STARTED_MAX) this.#started.delete(this.#started.values().next().value as string);
    }
    if (moved) this.#moves.closeAll();
  }

  #closeAll(): void {
    this.#fresh.clear();
    this.#started.clear();
    this.#watchers.closeAll();
    this.#outcomes.closeAll();
    this.#moves.closeAll();
  }

  /**
   * Makes sure the subscriber runs, as a duplicate of `source` (the web client, or the user's
   * instance, which stays untouched). Cheap when it runs already.
   */
  start(source: RedisClient): void {
    if (this.#closed) return;
    if (this.#sub === undefined) {
      this.#sub = this.#connect(source);
      return;
    }
    // A subscription refused while connected (it should not be) is tried again by the next watch.
    if (!this.#live && this.#sub.client.status === "ready") void this.#subscribe();
  }

  /** Ends every watch and closes the subscriber. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#live = false;
    this.#closeAll();
    const sub = this.#sub;
    this.#sub = undefined;
    if (sub !== undefined) await closeClient(sub);
  }

  #connect(source: RedisClient): OwnedClient {
    // ioredis resubscribes on its own only after announcing "ready"; subscribing here instead
    // tells when the subscription is confirmed, which is when watches may trust it again.
    const client: RedisClient = isCluster(source)
      ? source.duplicate(undefined, { lazyConnect: true, enableOfflineQueue: false })
      : source.duplicate({ lazyConnect: true, enableOfflineQueue: false, autoResubscribe: false });
    const owned: OwnedClient = { client };
    client.on("error", (error: Error) => {
      owned.lastError = error;
    });
    client.on("message", (channel: string, message: string) => {
      if (channel !== this.#channel) return;
      const cut = message.indexOf(OUTCOME_AFTER);
      if (cut >= 0) this.#heard(message.slice(0, cut), true, message.slice(cut + OUTCOME_AFTER.length));
      else if (message.endsWith(NOT_ENDED)) this.#heard(message.slice(0, -NOT_ENDED.length), false);
      else this.#heard(message, true);
    });
    client.on("ready", () => void this.#subscribe());
    client.on("close", () => {
      if (!this.#live) return;
      this.#live = false;
      this.#closeAll();
    });
    client.connect().catch(() => undefined);
    return owned;
  }

  #subscribe(): Promise<void> {
    const sub = this.#sub;
    if (sub === undefined || this.#closed) return Promise.resolve();
    this.#subscribing ??= sub.client
      .subscribe(this.#channel)
      .then(
        () => {
          if (this.#closed || this.#sub !== sub) return;
          this.#live = true;
          this.#closeAll();
        },
        () => undefined,
      )
      .finally(() => {
        this.#subscribing = undefined;
      });
    return this.#subscribing;
  }
}
