import { Watchers } from "../../src/index.js";
import { isCluster, type RedisClient } from "./options.js";
import { closeClient, type OwnedClient } from "./redis.js";
import { NOT_ENDED } from "./scripts.js";

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
/** How many submitted jobs without news {@link News} remembers at most (the oldest go first). */
const FRESH_MAX = 4_096;

export class News {
  /**
   * Jobs this process submitted while the subscription was live and that had no news since, with
   * when, and the signals of their watches: see {@link News.quiet}. At most {@link FRESH_MAX}.
   */
  readonly #fresh = new Map<string, { readonly at: number; readonly signals: AbortSignal[] }>();
  readonly #watchers = new Watchers();
  /** Watches that wait for the outcome only: news of a start or progress leaves them pending. */
  readonly #outcomes = new Watchers();
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
    return this.#watchers.size + this.#outcomes.size;
  }

  /** Whether the subscription is confirmed: news published from now on reaches the watches. */
  get live(): boolean {
    return this.#live;
  }

  /**
   * Resolves at news of `jobId` (`outcome`: at its end only), when `signal` aborts, at a
   * (re)subscription, a disconnect or `close()`.
   */
  watch(jobId: string, signal: AbortSignal, outcome = false): Promise<void> {
    this.#fresh.get(jobId)?.signals.push(signal);
    return (outcome ? this.#outcomes : this.#watchers).watch(jobId, signal);
  }

  /** Ends the watches of `jobId` at once (a change this process made itself). */
  notify(jobId: string): void {
    this.#fresh.delete(jobId);
    this.#watchers.notify(jobId);
    this.#outcomes.notify(jobId);
  }

  /**
   * A job's record is about to be written by a submit of this process (call it before the record's
   * script is sent). While the subscription is live, every news of the job that Redis publishes
   * from then on reaches this process, in order, so it knows whether there was any.
   */
  submitting(jobId: string): void {
    if (!this.#live) return;
    if (this.#fresh.size >= FRESH_MAX) this.#fresh.delete(this.#fresh.keys().next().value as string);
    this.#fresh.set(jobId, { at: Date.now(), signals: [] });
  }

  /** The submit wrote no queued record (a memoised result, another epoch, a failure), or a cancel was sent. */
  forget(jobId: string): void {
    this.#fresh.delete(jobId);
  }

  /**
   * Whether a take of `jobId` may answer "queued, nothing new" without reading Redis: this process
   * submitted it less than `withinMs` ago, the subscription has been live since before its record
   * was written, no news of it came since (no start, progress, side update, outcome or cancel: each
   * is published in the step that writes it), and one of its watches is pending, so news already
   * on its way wakes that watch and its caller takes again. Only the first take after the submit
   * asks: the mark goes either way.
   */
  quiet(jobId: string, withinMs: number): boolean {
    const fresh = this.#fresh.get(jobId);
    if (fresh === undefined) return false;
    this.#fresh.delete(jobId);
    return this.#live && Date.now() - fresh.at < withinMs && fresh.signals.some((signal) => !signal.aborted);
  }

  #closeAll(): void {
    this.#fresh.clear();
    this.#watchers.closeAll();
    this.#outcomes.closeAll();
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
      if (!message.endsWith(NOT_ENDED)) return this.notify(message);
      const jobId = message.slice(0, -NOT_ENDED.length);
      this.#fresh.delete(jobId);
      this.#watchers.notify(jobId);
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
