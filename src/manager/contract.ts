/** Any value that survives `JSON.stringify` → `JSON.parse` unchanged. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** One input that triggered a callback, as in Dash's `ctx.triggered`. */
export interface TriggeredInput {
  /** `"<component id>.<prop>"`, the component id JSON-encoded when it is an object. */
  readonly propId: string;
  readonly value: Json;
}

/**
 * The snapshot of the request that a job sees as `ctx`. Values are as of the request that
 * started the job. Every field is optional and JSON.
 */
export interface JobContext {
  readonly triggered?: readonly TriggeredInput[];
  readonly inputs?: Readonly<Record<string, Json>>;
  readonly states?: Readonly<Record<string, Json>>;
  readonly cookies?: Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string>>;
  readonly path?: string;
  /** The query parameters of the page that made the request (first value of each name). */
  readonly args?: Readonly<Record<string, string>>;
  /** The address of the client the request came from (the last proxy's, behind one). */
  readonly remote?: string;
  /** The request's `Origin` header. */
  readonly origin?: string;
  /**
   * The outputs the page asked for, one entry per output of the callback in order: `{ id, property }`
   * with the concrete id, or a list of them for an `ALL` wildcard (what `ctx.outputsList` shows).
   */
  readonly outputs?: readonly Json[];
  /** What the app's `requestData` hook derived from the request: user id, tenant, ... */
  readonly custom?: Readonly<Record<string, Json>>;
  /** Anything else the app server passes along. */
  readonly extra?: Readonly<Record<string, Json>>;
}

/** What the core asks a manager to run. Validated by the core before a manager sees it. */
export interface JobRequest {
  /** The id under which the job function was registered (`registerJob`); a callback's id. */
  readonly callbackId: string;
  /** The function's arguments, in order. */
  readonly args: readonly Json[];
  /** The request snapshot the function sees as `ctx`. */
  readonly context?: JobContext;
  /**
   * Memoise the result under `key` (built by `cacheKey()`) for `ttlMs`. When a result is
   * stored under `key`, no job runs: the handle's outcome is that result at once.
   * Managers whose `capabilities.caching` is `false` reject it with `NOT_SUPPORTED`.
   */
  readonly cache?: { readonly key: string; readonly ttlMs: number };
  /**
   * Milliseconds the job may run (from its start, not counting time queued); then its signal
   * aborts, its process is killed after the grace period, and it ends
   * `{ kind: "error", message: "The job timed out after N s" }`, even when the job returns within
   * the grace period: the limit decided. An integer from 1 to 2,147,483,647.
   * @default undefined (no limit)
   */
  readonly timeoutMs?: number;
}

/** The handle `submit` returns. */
export interface JobHandle {
  /** A fresh, unguessable id (at least 128 random bits), URL-safe. */
  readonly jobId: string;
}

/** Side updates of a job: component id → prop → newest value, in first-touched order. */
export type SideUpdates = Record<string, Record<string, Json>>;

/** The terminal state of a job. Exactly one per job. */
export type JobOutcome =
  | { readonly kind: "result"; readonly value: Json; readonly cached?: boolean }
  | { readonly kind: "noUpdate" }
  | { readonly kind: "error"; readonly message: string; readonly stack?: string }
  | { readonly kind: "cancelled" }
  | { readonly kind: "lost"; readonly reason: string };

/** What `take` returns: what happened since the last `take`. */
export interface JobUpdate {
  /** The newest progress value reported since the last `take`; absent when none. */
  readonly progress?: Json;
  /** Every `setProps` since the last `take`, merged per component and prop in call order. */
  readonly sideUpdates?: SideUpdates;
  /** Present once the job has ended; returned by every `take` until the record expires. */
  readonly outcome?: JobOutcome;
}

/** Where a job stands. `unknown` for ids the manager never saw or that expired. */
export type JobState = "queued" | "running" | "done" | "unknown";

/** What a manager can do. Frozen; read by the core and by the conformance suite. */
export interface ManagerCapabilities {
  /** Honours `JobRequest.cache`. When `false`, a request with `cache` rejects `NOT_SUPPORTED`. */
  readonly caching: boolean;
  /** Other processes using the same backend can `take`, `status` and `cancel` its jobs. */
  readonly shared: boolean;
  /**
   * Honours `WatchOptions.queue`: a watch with it also resolves when the queue moves. The app
   * server then re-reads a queued job's position at those wakes instead of on a timer.
   * @default false
   */
  readonly queueWatch?: boolean;
}

/** Options of a manager's `watch`. */
export interface WatchOptions {
  /**
   * The caller waits for the job's outcome only (the app server's first response): a manager may
   * leave the watch pending through the job's start, progress and side updates, and resolve it at
   * the outcome. A hint: a manager may ignore it and resolve at any news, as without it.
   * @default false
   */
  readonly outcome?: boolean;
  /**
   * The caller follows the job's place in the queue (the app server, for a callback with `queued`):
   * the watch also resolves when the queue moves — a job of this manager's queue started or left
   * the queue (a cancel, an end) — so that the caller reads `position()` again. A hint: a manager
   * may ignore it (the caller then re-reads the position on a timer), and one that honours it says
   * so with `capabilities.queueWatch`. A manager need not space the wakes of a busy queue: the app
   * server reads the position at most once per 100 ms per waiting page.
   * @default false
   */
  readonly queue?: boolean;
}

/**
 * The contract every manager implements: DiskManager, QueueManager and yours.
 * `docs/writing-a-manager.md` has it as a table; `background-callbacks/testing` checks it.
 *
 * Every method rejects with `MANAGER_CLOSED` after `close()` (except `close` itself).
 */
export interface BackgroundCallbackManager {
  /** What this manager supports. Must be frozen. */
  readonly capabilities: ManagerCapabilities;

  /**
   * Queues a job. Jobs start in submission order, at most `concurrency` at once.
   * @throws `NOT_SUPPORTED` for `cache` when `capabilities.caching` is false; `MANAGER_CLOSED`.
   */
  submit(job: JobRequest): Promise<JobHandle>;

  /**
   * Reads and clears the progress and side updates reported since the last call, and returns
   * the outcome once there is one. What the job reported before it ended arrives at the latest
   * with the outcome; nothing arrives after that, and nothing at all after a cancel. Unknown ids
   * give `{}`.
   */
  take(jobId: string): Promise<JobUpdate>;

  /** Where the job stands. A job whose worker died is `done` with a `lost` outcome. */
  status(jobId: string): Promise<JobState>;

  /**
   * Cancels a job: a queued job never starts; a running one has its `AbortSignal` aborted and
   * its process killed after the grace period. Idempotent; unknown or ended jobs are a no-op.
   */
  cancel(jobId: string): Promise<void>;

  /** Releases what the manager opened. Idempotent. Never closes a client the user passed in. */
  close(): Promise<void>;

  /**
   * Optional. A secret shared by every process using the same backend, created on first use.
   * The app server signs job handles with it when no secret is configured, so that any web
   * process can verify a handle another one issued.
   */
  sharedSecret?(): Promise<string>;

  /**
   * Optional. Resolves when the job may have news (progress, side updates, outcome, a start) that
   * arrived after the call began; or when `signal` aborts; or when the manager closes. May resolve
   * early without news: callers then call `take()`, the one source of truth. Never rejects for
   * backend trouble (resolves instead); rejects `MANAGER_CLOSED` when called after `close()`.
   * An unknown id resolves when `signal` aborts or the manager closes (or early, as above).
   * Callers without it poll `take()`.
   */
  watch?(jobId: string, signal: AbortSignal, options?: WatchOptions): Promise<void>;

  /**
   * Optional. How many jobs will start before this one while it is queued (0: it starts next);
   * `undefined` once it runs, has ended, or is unknown.
   */
  position?(jobId: string): Promise<number | undefined>;

  /**
   * Optional. A snapshot of the queue for operators: what `npx background-callbacks status` prints
   * and what the app's metrics report as gauges. Reads only; never changes a job. Rejects `BACKEND`
   * when the backend cannot be read, `MANAGER_CLOSED` after `close()`.
   */
  inspect?(): Promise<ManagerSnapshot>;
}

/** A job that runs now, as `inspect()` reports it. */
export interface RunningJobInfo {
  readonly jobId: string;
  readonly callbackId: string;
  /** When the job started (ms since the epoch). */
  readonly startedAt: number;
  /** The worker process that runs it, as `"<host>:<pid>"`, when the manager knows. */
  readonly worker?: string;
}

/**
 * A process that runs jobs and whose heartbeat is live, as `inspect()` reports it: a queue worker,
 * or, for a manager whose jobs run under the web process that submitted them (the DiskManager),
 * that web process.
 */
export interface WorkerInfo {
  /** `"<host>:<pid>"`. */
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  /** When the process started serving jobs (ms since the epoch). */
  readonly startedAt: number;
  /** Its last heartbeat (ms since the epoch). */
  readonly lastSeen: number;
  /** Jobs it ended since it started (as of its last heartbeat, where the manager learns it so). */
  readonly jobsDone: number;
  /** Jobs it runs now (as of its last heartbeat, where the manager learns it so). */
  readonly running: number;
}

/** What `inspect()` returns. */
export interface ManagerSnapshot {
  /** When the snapshot was read (ms since the epoch). */
  readonly at: number;
  /** Jobs waiting to start. */
  readonly queued: number;
  /** Jobs running now, oldest first. */
  readonly running: readonly RunningJobInfo[];
  /** Worker processes whose heartbeat is recent (within the manager's liveness window), newest first. */
  readonly workers: readonly WorkerInfo[];
  /** Jobs that ended `lost` within the hour before `at`. */
  readonly lostLastHour: number;
}
