import {
  type JobOutcome,
  type JobState,
  type JobUpdate,
  type Json,
  jobUpdate,
  mergeSideUpdate,
  type SideUpdates,
} from "../../src/index.js";
import { epochOf, newEpoch } from "./ids.js";
import type { QueueKeys } from "./keys.js";
import type { RedisClient } from "./options.js";
import { Script } from "./redis.js";
import * as lua from "./scripts.js";
import * as run from "./worker-scripts.js";

const scripts = {
  submit: new Script(lua.SUBMIT),
  sweep: new Script(lua.SWEEP),
  take: new Script(lua.TAKE),
  status: new Script(lua.STATUS),
  cancel: new Script(lua.CANCEL),
  claim: new Script(run.CLAIM),
  started: new Script(run.STARTED),
  unstart: new Script(run.UNSTART),
  progress: new Script(run.PROGRESS),
  props: new Script(run.PROPS),
  heartbeat: new Script(run.HEARTBEAT),
  finish: new Script(run.FINISH),
  handBack: new Script(run.HAND_BACK),
  secret: new Script(lua.SECRET),
  position: new Script(lua.POSITION),
};

/** How many times a job may start with `retryLost` (hand-backs included); once without it. */
export const MAX_RUNS = 2;

/** How long a "cancel requested" key lives; the `cancelled` outcome in the job hash outlives it. */
const CANCEL_TTL_MS = 60_000;

/**
 * A submit sends BullMQ's add right behind its record's script: a record whose job is not in BullMQ
 * this long after the submit never will be (see `SWEEP`).
 */
export const SUBMIT_GRACE_MS = 60_000;

/** How many pending submits one check-in of a worker looks at, at most. */
const SWEEP_COUNT = 100;

/** Entries of the worker registry older than this are dropped when a live worker checks in. */
const REGISTRY_KEEP_MS = 3_600_000;

const LOST_REASON = "The worker process that ran the job stopped (its lease expired) before the job ended";
const LIMIT_REASON = `The job already started as often as allowed (once; ${MAX_RUNS} times with retryLost) without ending`;
const GONE_OUTCOME = JSON.stringify({
  kind: "lost",
  reason:
    "Redis lost the job's record before the job ended (it restarted without persistence, or its data was flushed)",
});

/** What a worker learns when it takes a job from BullMQ. */
export type Claim = "run" | "gone" | "ended" | "busy" | "lost";

/** How a worker's final write went: stored, the job had an outcome already, or a newer run has it. */
export type Finish = "stored" | "ended" | "superseded";

/** How a hand-back went: queued again, ended `lost` (no start left), or ended/taken over before. */
export type HandBack = "queued" | "lost" | "ended";

/** Settings of a {@link JobStore}. */
export interface StoreSettings {
  readonly keys: QueueKeys;
  /** TTL of job records, counted from the job's end. */
  readonly ttlMs: number;
  readonly leaseMs: number;
  /** A queued job ends with `noWorkerMessage` when no worker was seen for this long (0: never). */
  readonly noWorkerMs?: number;
  readonly noWorkerMessage?: string;
  /** How old a pending submit is when a worker's check-in sweeps it. @default SUBMIT_GRACE_MS */
  readonly submitGraceMs?: number;
  /** Called when a read ended a job because no worker runs. */
  onNoWorker?(jobId: string): void;
}

/** What a worker writes about itself in the registry. */
export type WorkerInfo = Readonly<Record<string, string | number>>;

/**
 * The job records of one queue in Redis, each operation one atomic Lua script. The web side
 * submits, takes, reads and cancels; the worker side claims, reports and finishes.
 */
export class JobStore {
  readonly #client: RedisClient;
  readonly #keys: QueueKeys;
  readonly #settings: StoreSettings;
  readonly #noWorker: string;

  constructor(client: RedisClient, settings: StoreSettings) {
    this.#client = client;
    this.#keys = settings.keys;
    this.#settings = settings;
    this.#noWorker = JSON.stringify({ kind: "error", message: settings.noWorkerMessage ?? "No worker runs" });
  }

  /**
   * Writes a queued record, or the memoised result as the outcome. Returns whether it was a hit,
   * or the queue's epoch when `jobId` names another one (nothing written). `strict`: rejects with
   * NOSCRIPT when Redis lacks the script, so that nothing runs out of the order it was sent in.
   */
  async submit(jobId: string, retry: boolean, cacheKey?: string, strict = false): Promise<boolean | { epoch: string }> {
    const k = this.#keys;
    const keys = [k.job(jobId), k.cache(cacheKey ?? ""), k.epoch, k.pending];
    const args = [Date.now(), this.#settings.ttlMs, retry ? 1 : 0, cacheKey ? 1 : 0, epochOf(jobId, k.tag), jobId];
    const reply = await scripts.submit.run(this.#client, keys, args, strict);
    return typeof reply === "string" ? { epoch: reply } : Number(reply) === 1;
  }

  /** Deletes a record whose job never reached the queue. */
  async forget(jobId: string): Promise<void> {
    await this.#client.del(this.#keys.job(jobId));
  }

  async take(jobId: string): Promise<JobUpdate> {
    const reply = (await scripts.take.run(this.#client, this.#readKeys(jobId), this.#readArgs(jobId))) as [
      string,
      string,
      string,
      string[],
      string,
    ];
    const [state, progress, outcome, props, decided] = reply;
    if (decided === "noWorker") this.#settings.onNoWorker?.(jobId);
    if (state === "") return {};
    const sideUpdates: SideUpdates = {};
    for (const entry of props) {
      const [id, values] = JSON.parse(entry) as [string, Record<string, Json>];
      mergeSideUpdate(sideUpdates, id, values);
    }
    return jobUpdate({
      progress: progress === "" ? undefined : { value: JSON.parse(progress) as Json },
      sideUpdates,
      outcome: outcome === "" ? undefined : (JSON.parse(outcome) as JobOutcome),
    });
  }

  async status(jobId: string): Promise<JobState> {
    const reply = (await scripts.status.run(this.#client, this.#readKeys(jobId), this.#readArgs(jobId))) as [
      string,
      string,
    ];
    if (reply[1] === "noWorker") this.#settings.onNoWorker?.(jobId);
    return reply[0] === "" ? "unknown" : (reply[0] as JobState);
  }

  /** Stores the `cancelled` outcome. Returns the state before, or undefined for unknown or ended jobs. */
  async cancel(jobId: string): Promise<"queued" | "running" | undefined> {
    const k = this.#keys;
    const keys = [k.job(jobId), k.props(jobId), k.cancel(jobId)];
    const args = [Date.now(), this.#settings.ttlMs, CANCEL_TTL_MS, ...this.#news(jobId)];
    const before = await scripts.cancel.run(this.#client, keys, args);
    return before === "queued" || before === "running" ? before : undefined;
  }

  /**
   * Jobs ahead of this one while it is queued (0: it starts next), or undefined once it runs, has
   * ended, or is unknown. One round trip.
   */
  async position(jobId: string): Promise<number | undefined> {
    const keys = [this.#keys.job(jobId), this.#keys.wait, this.#keys.active];
    const ahead = Number(await scripts.position.run(this.#client, keys, [jobId, this.#keys.jobPrefix]));
    return ahead < 0 ? undefined : ahead;
  }

  /** Tells the workers that a job was cancelled. */
  async announceCancel(jobId: string): Promise<void> {
    await this.#client.publish(this.#keys.cancelChannel, jobId);
  }

  async secret(candidate: string): Promise<string> {
    return String(await scripts.secret.run(this.#client, [this.#keys.secret], [candidate]));
  }

  /**
   * The worker run `owner` takes the job, if it may start; with `start`, a job taken is started in
   * the same step (as {@link started} would right after).
   */
  async claim(jobId: string, owner: string, start = false): Promise<Claim> {
    const k = this.#keys;
    const keys = [k.job(jobId), k.lease(jobId), k.cancel(jobId), k.props(jobId), k.pending];
    const { leaseMs, ttlMs } = this.#settings;
    const args = [
      owner,
      leaseMs,
      Date.now(),
      ttlMs,
      LOST_REASON,
      MAX_RUNS,
      LIMIT_REASON,
      start ? 1 : 0,
      ...this.#news(jobId),
    ];
    return (await scripts.claim.run(this.#client, keys, args)) as Claim;
  }

  /** Takes back a start the claim wrote: the job waits for a process after all. False when no longer this run's. */
  async unstart(jobId: string, owner: string): Promise<boolean> {
    return (
      Number(await scripts.unstart.run(this.#client, [this.#keys.job(jobId)], [owner, ...this.#news(jobId)])) === 1
    );
  }

  /** Marks the job running (one more start). Returns false when it is no longer this run's. */
  async started(jobId: string, owner: string): Promise<boolean> {
    const args = [owner, Date.now(), ...this.#news(jobId)];
    return Number(await scripts.started.run(this.#client, [this.#keys.job(jobId)], args)) === 1;
  }

  async progress(jobId: string, owner: string, value: Json): Promise<void> {
    const args = [owner, JSON.stringify(value), ...this.#news(jobId)];
    await scripts.progress.run(this.#client, [this.#keys.job(jobId)], args);
  }

  async props(jobId: string, owner: string, id: string, props: Record<string, Json>): Promise<void> {
    const keys = [this.#keys.job(jobId), this.#keys.props(jobId)];
    await scripts.props.run(this.#client, keys, [owner, JSON.stringify([id, props]), ...this.#news(jobId)]);
  }

  /** Renews the lease. Returns false when the job ended, was cancelled or was taken over. */
  async heartbeat(jobId: string, owner: string, state: "queued" | "running"): Promise<boolean> {
    const k = this.#keys;
    const keys = [k.job(jobId), k.lease(jobId), k.cancel(jobId)];
    return Number(await scripts.heartbeat.run(this.#client, keys, [owner, this.#settings.leaseMs, state])) === 1;
  }

  /** Stores the outcome unless there is one or a newer run has the job; memoises a result. */
  async finish(
    jobId: string,
    owner: string,
    outcome: JobOutcome,
    cache?: { key: string; ttlMs: number },
  ): Promise<Finish> {
    const k = this.#keys;
    const keys = [k.job(jobId), k.props(jobId), k.lease(jobId), cache ? k.cache(cache.key) : k.job(jobId)];
    const value = outcome.kind === "result" ? JSON.stringify(outcome.value) : "";
    const args = [
      owner,
      this.#settings.ttlMs,
      Date.now(),
      JSON.stringify(outcome),
      outcome.kind,
      cache?.ttlMs ?? 0,
      value,
      ...this.#news(jobId),
    ];
    const reply = Number(await scripts.finish.run(this.#client, keys, args));
    return reply === 1 ? "stored" : reply === 2 ? "superseded" : "ended";
  }

  /**
   * Puts the job back to `queued` for another worker, if it may start again; otherwise ends it
   * with `lost` (`reason`). Every start counts, handed back or not.
   */
  async handBack(jobId: string, owner: string, reason: string): Promise<HandBack> {
    const k = this.#keys;
    const keys = [k.job(jobId), k.lease(jobId), k.props(jobId)];
    const lost = JSON.stringify({ kind: "lost", reason });
    const args = [owner, MAX_RUNS, Date.now(), this.#settings.ttlMs, lost, ...this.#news(jobId)];
    const reply = Number(await scripts.handBack.run(this.#client, keys, args));
    return reply === 1 ? "queued" : reply === 2 ? "lost" : "ended";
  }

  /**
   * Registers a live worker (or renews its entry): a hash with a TTL of `leaseMs`, and its score.
   * Sweeps the pending submits too: live workers check in every `heartbeatMs`.
   */
  async register(workerId: string, info: WorkerInfo): Promise<void> {
    const k = this.#keys;
    const now = Date.now();
    const [replies] = await Promise.all([
      this.#client
        .multi()
        .hset(k.worker(workerId), { ...info, lastSeen: now })
        .pexpire(k.worker(workerId), this.#settings.leaseMs)
        .zadd(k.workers, now, workerId)
        .zremrangebyscore(k.workers, "-inf", now - REGISTRY_KEEP_MS)
        .exec(),
      this.sweep(now),
    ]);
    const failed = replies?.find(([error]) => error !== null)?.[0];
    if (failed) throw failed;
  }

  /**
   * Deletes the records of submits older than the grace period whose job never reached BullMQ
   * (see `SWEEP`); returns how many pending submits it looked at.
   */
  async sweep(now = Date.now()): Promise<number> {
    const k = this.#keys;
    const before = now - (this.#settings.submitGraceMs ?? SUBMIT_GRACE_MS);
    const args = [before, k.jobPrefix, k.bullPrefix, SWEEP_COUNT];
    return Number(await scripts.sweep.run(this.#client, [k.pending], args));
  }

  /** Removes a worker that stops from the registry. */
  async unregister(workerId: string): Promise<void> {
    const k = this.#keys;
    await this.#client.multi().del(k.worker(workerId)).zrem(k.workers, workerId).exec();
  }

  #readKeys(jobId: string): string[] {
    const k = this.#keys;
    return [k.job(jobId), k.props(jobId), k.lease(jobId), k.workers, k.epoch];
  }

  #readArgs(jobId: string): (string | number)[] {
    const { ttlMs, leaseMs, noWorkerMs = 0 } = this.#settings;
    return [
      Date.now(),
      ttlMs,
      LOST_REASON,
      MAX_RUNS,
      noWorkerMs,
      this.#noWorker,
      epochOf(jobId, this.#keys.tag),
      newEpoch(),
      GONE_OUTCOME,
      leaseMs,
      ...this.#news(jobId),
    ];
  }

  /** The last two ARGV of a script that publishes news. */
  #news(jobId: string): [string, string] {
    return [this.#keys.newsChannel, jobId];
  }
}
