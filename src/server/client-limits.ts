import { createHash } from "node:crypto";
import type { CallbackSpec } from "../app/callback-spec.js";
import type { BackgroundCallbackManager, JobContext, JobHandle } from "../manager/contract.js";
import { type ErrorHandler, handleErrorOutcome } from "./on-error.js";
import { respondOutcome } from "./outcome.js";
import type { UpdatePayload } from "./payload.js";
import { errorText, RETRY_AFTER_SECONDS } from "./respond.js";

/** Most clients one web process keeps counts for, by default; past it the least recently seen is forgotten. */
const MAX_CLIENTS = 10_000;

/** Longest client key kept as it is; longer ones (a huge cookie) are kept as their hash. */
const MAX_KEY_LENGTH = 128;

interface Client {
  /** Jobs this client started through this process that were queued when last seen, and their managers. */
  readonly jobs: Map<string, BackgroundCallbackManager>;
  /** Starts admitted whose submit has not answered yet: they count as queued. */
  pending: number;
}

/** A start the limit let through: its submit, counted as queued until it answers, then its job. */
export interface Admission {
  track(submitted: Promise<JobHandle>): Promise<JobHandle>;
}

/**
 * `maxQueuedPerClient`: how many jobs one client — a page load, or the value of the app's
 * `clientCookie` — may have queued (submitted, not started yet) at once, counted per web process.
 * Jobs that started, ended, were cancelled or expired are dropped at the client's next start, and
 * the least recently seen client is re-checked at every start; memory stays bounded
 * (`maxClients` clients of at most `max` jobs each) however many page loads a client makes.
 * Forgetting a client only lets it queue more, never less.
 */
export class ClientLimits {
  readonly max: number;
  readonly cookie: string | undefined;
  readonly #maxClients: number;
  readonly #clients = new Map<string, Client>();

  constructor(max: number, cookie?: string, maxClients = MAX_CLIENTS) {
    this.max = max;
    this.cookie = cookie;
    this.#maxClients = maxClients;
  }

  /** The client of a request: the session cookie's value when the app names one and it is set, else the page load, else the address. */
  clientOf(endId: string, cookies: Readonly<Record<string, string>>, remote: string): string {
    const cookie = this.cookie !== undefined && Object.hasOwn(cookies, this.cookie) ? cookies[this.cookie] : undefined;
    const key = cookie ? `cookie:${cookie}` : endId ? `page:${endId}` : `remote:${remote}`;
    return key.length <= MAX_KEY_LENGTH ? key : `hash:${createHash("sha256").update(key).digest("base64url")}`;
  }

  /**
   * Admits a start of `client` on `manager`, or tells how many jobs it has queued already.
   * @throws `BACKEND` when the manager cannot say where the client's jobs stand.
   */
  async admit(client: string, manager: BackgroundCallbackManager): Promise<Admission | { queued: number }> {
    const entry = this.#touch(client);
    this.#sweepOldest(client);
    try {
      await prune(entry);
    } catch (error) {
      this.#dropIfIdle(client, entry);
      throw error;
    }
    // Counted on the entry as it is now: other starts of this client may have come and gone meanwhile.
    const live = this.#touch(client);
    const queued = live.jobs.size + live.pending;
    if (queued >= this.max) return { queued };
    live.pending++;
    const done = (jobId?: string) => {
      live.pending--;
      if (jobId !== undefined) live.jobs.set(jobId, manager);
      this.#dropIfIdle(client, live);
    };
    return {
      track: (submitted) =>
        submitted.then(
          (handle) => {
            done(handle.jobId);
            return handle;
          },
          (error: unknown) => {
            done();
            throw error;
          },
        ),
    };
  }

  /** How many clients are counted now (for tests and metrics). */
  get size(): number {
    return this.#clients.size;
  }

  /** The client's entry, moved to the newest end; the oldest is forgotten past `maxClients`. */
  #touch(client: string): Client {
    const entry = this.#clients.get(client) ?? { jobs: new Map(), pending: 0 };
    this.#clients.delete(client);
    this.#clients.set(client, entry);
    if (this.#clients.size > this.#maxClients) this.#clients.delete(this.#clients.keys().next().value as string);
    return entry;
  }

  #dropIfIdle(client: string, entry: Client): void {
    if (entry.jobs.size === 0 && entry.pending === 0 && this.#clients.get(client) === entry) {
      this.#clients.delete(client);
    }
  }

  /** Re-checks the least recently seen client, so entries of clients that never come back go too. */
  #sweepOldest(except: string): void {
    const oldest = this.#clients.keys().next().value;
    if (oldest === undefined || oldest === except) return;
    const entry = this.#clients.get(oldest) as Client;
    this.#clients.delete(oldest);
    this.#clients.set(oldest, entry);
    void prune(entry).then(
      () => this.#dropIfIdle(oldest, entry),
      () => undefined,
    );
  }
}

/** Drops the jobs that are no longer queued. */
async function prune(entry: Client): Promise<void> {
  await Promise.all(
    [...entry.jobs].map(async ([jobId, manager]) => {
      if ((await manager.status(jobId)) !== "queued") entry.jobs.delete(jobId);
    }),
  );
}

/** What a start needs from the app to apply `maxQueuedPerClient`. */
export interface StartLimits {
  readonly clientLimits?: ClientLimits | undefined;
  readonly manager: BackgroundCallbackManager;
  readonly onError?: ErrorHandler | undefined;
  readonly debug: boolean;
}

/**
 * Applies `maxQueuedPerClient` to a start: its admission, or the answer when the client has too
 * many jobs queued — `429` with `Retry-After`, or what the callback's (or app's) `onError` makes
 * of the error; `undefined` when the app sets no limit.
 */
export async function admitStart(
  spec: CallbackSpec,
  payload: UpdatePayload,
  endId: string,
  context: JobContext,
  deps: StartLimits,
): Promise<Admission | Response | undefined> {
  const limits = deps.clientLimits;
  if (limits === undefined) return undefined;
  const client = limits.clientOf(endId, context.cookies ?? {}, context.remote ?? "");
  const admitted = await limits.admit(client, deps.manager);
  if ("track" in admitted) return admitted;
  const message = `Too many queued jobs (${admitted.queued}, at most ${limits.max} per client); wait for one to start, then try again`;
  if ((spec.options.onError ?? deps.onError) !== undefined) {
    const handled = await handleErrorOutcome(spec, { kind: "error", message }, context, undefined, deps.onError);
    return respondOutcome(spec, payload, handled.outcome, {
      sideUpdate: handled.sideUpdate,
      background: true,
      debug: deps.debug,
    });
  }
  const response = errorText(429, `BackgroundCallbackError: ${message}`);
  response.headers.set("Retry-After", String(RETRY_AFTER_SECONDS));
  return response;
}
