import {
  type JobOutcome,
  type JobState,
  type JobUpdate,
  type Json,
  jobUpdate,
  mergeSideUpdate,
  type SideUpdates,
} from "../../src/index.js";
import type { QueueKeys } from "./keys.js";
import type { RedisClient } from "./options.js";
import { Script } from "./redis.js";
import * as lua from "./scripts.js";

const scripts = {
  submit: new Script(lua.SUBMIT),
  take: new Script(lua.TAKE),
  status: new Script(lua.STATUS),
  cancel: new Script(lua.CANCEL),
  claim: new Script(lua.CLAIM),
  started: new Script(lua.STARTED),
  progress: new Script(lua.PROGRESS),
  props: new Script(lua.PROPS),
  heartbeat: new Script(lua.HEARTBEAT),
  finish: new Script(lua.FINISH),
  handBack: new Script(lua.HAND_BACK),
  secret: new Script(lua.SECRET),
};

/** How many times a job may start: once, plus one re-run with `retryLost`. */
export const MAX_RUNS = 2;

/** How long a "cancel requested" key lives; the `cancelled` outcome in the job hash outlives it. */
const CANCEL_TTL_MS = 60_000;

const LOST_REASON = "The worker process that ran the job stopped (its lease expired) before the job ended";

/** What a worker learns when it takes a job from BullMQ. */
export type Claim = "run" | "gone" | "ended" | "busy" | "lost";

/** Settings of a {@link JobStore}. */
export interface StoreSettings {
  readonly keys: QueueKeys;
  /** TTL of job records, refreshed while the job runs. */
  readonly ttlMs: number;
  readonly leaseMs: number;
}

/**
 * The job records of one queue in Redis, each operation one atomic Lua script. The web side
 * submits, takes, reads and cancels; the worker side claims, reports and finishes.
 */
export class JobStore {
  readonly #client: RedisClient;
  readonly #keys: QueueKeys;
  readonly #ttl: number;
  readonly #leaseMs: number;

  constructor(client: RedisClient, settings: StoreSettings) {
    this.#client = client;
    this.#keys = settings.keys;
    this.#ttl = settings.ttlMs;
    this.#leaseMs = settings.leaseMs;
  }

  /** Writes a queued record, or the memoised result as the outcome. Returns whether it was a hit. */
  async submit(jobId: string, retry: boolean, cacheKey?: string): Promise<boolean> {
    const keys = [this.#keys.job(jobId), this.#keys.cache(cacheKey ?? "")];
    const hit = await scripts.submit.run(this.#client, keys, [Date.now(), this.#ttl, retry ? 1 : 0, cacheKey ? 1 : 0]);
    return Number(hit) === 1;
  }

  /** Deletes a record whose job never reached the queue. */
  async forget(jobId: string): Promise<void> {
    await this.#client.del(this.#keys.job(jobId));
  }

  async take(jobId: string): Promise<JobUpdate> {
    const k = this.#keys;
    const reply = (await scripts.take.run(
      this.#client,
      [k.job(jobId), k.props(jobId), k.lease(jobId)],
      this.#readArgs(),
    )) as [string, string, string, string[]];
    const [state, progress, outcome, props] = reply;
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
    const k = this.#keys;
    const state = await scripts.status.run(this.#client, [k.job(jobId), k.lease(jobId)], this.#readArgs());
    return state === "" ? "unknown" : (state as JobState);
  }

  /** Stores the `cancelled` outcome. Returns the state before, or undefined for unknown or ended jobs. */
  async cancel(jobId: string): Promise<"queued" | "running" | undefined> {
    const k = this.#keys;
    const keys = [k.job(jobId), k.props(jobId), k.cancel(jobId)];
    const before = await scripts.cancel.run(this.#client, keys, [Date.now(), this.#ttl, CANCEL_TTL_MS]);
    return before === "queued" || before === "running" ? before : undefined;
  }

  /** Tells the workers that a job was cancelled. */
  async announceCancel(jobId: string): Promise<void> {
    await this.#client.publish(this.#keys.cancelChannel, jobId);
  }

  async secret(candidate: string): Promise<string> {
    return String(await scripts.secret.run(this.#client, [this.#keys.secret], [candidate]));
  }

  /** The worker `owner` takes the job, if it may run. */
  async claim(jobId: string, owner: string): Promise<Claim> {
    const k = this.#keys;
    const keys = [k.job(jobId), k.lease(jobId), k.cancel(jobId)];
    const args = [owner, this.#leaseMs, Date.now(), this.#ttl, LOST_REASON, MAX_RUNS];
    return (await scripts.claim.run(this.#client, keys, args)) as Claim;
  }

  /** Marks the job running. Returns false when it is no longer this worker's to run. */
  async started(jobId: string, owner: string): Promise<boolean> {
    return (
      Number(await scripts.started.run(this.#client, [this.#keys.job(jobId)], [owner, this.#ttl, Date.now()])) === 1
    );
  }

  async progress(jobId: string, owner: string, value: Json): Promise<void> {
    await scripts.progress.run(this.#client, [this.#keys.job(jobId)], [owner, this.#ttl, JSON.stringify(value)]);
  }

  async props(jobId: string, owner: string, id: string, props: Record<string, Json>): Promise<void> {
    const keys = [this.#keys.job(jobId), this.#keys.props(jobId)];
    await scripts.props.run(this.#client, keys, [owner, this.#ttl, JSON.stringify([id, props])]);
  }

  /** Renews the lease. Returns false when the job ended or was cancelled or taken over. */
  async heartbeat(jobId: string, owner: string, state: "queued" | "running"): Promise<boolean> {
    const k = this.#keys;
    const keys = [k.job(jobId), k.lease(jobId), k.cancel(jobId)];
    return Number(await scripts.heartbeat.run(this.#client, keys, [owner, this.#ttl, this.#leaseMs, state])) === 1;
  }

  /** Stores the outcome unless there is one; memoises a result. Returns whether it was stored. */
  async finish(
    jobId: string,
    owner: string,
    outcome: JobOutcome,
    cache?: { key: string; ttlMs: number },
  ): Promise<boolean> {
    const k = this.#keys;
    const keys = [k.job(jobId), k.props(jobId), k.lease(jobId), cache ? k.cache(cache.key) : k.job(jobId)];
    const value = outcome.kind === "result" ? JSON.stringify(outcome.value) : "";
    const args = [owner, this.#ttl, Date.now(), JSON.stringify(outcome), outcome.kind, cache?.ttlMs ?? 0, value];
    return Number(await scripts.finish.run(this.#client, keys, args)) === 1;
  }

  /** Puts the job back to `queued` for another worker. Returns false when it ended meanwhile. */
  async handBack(jobId: string, owner: string): Promise<boolean> {
    const keys = [this.#keys.job(jobId), this.#keys.lease(jobId)];
    return Number(await scripts.handBack.run(this.#client, keys, [owner])) === 1;
  }

  #readArgs(): (string | number)[] {
    return [Date.now(), this.#ttl, LOST_REASON, MAX_RUNS];
  }
}
