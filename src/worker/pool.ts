import { BackgroundCallbackError, describeValue, invalidArgument } from "../errors.js";
import type { JobOutcome } from "../manager/contract.js";
import { assertId, assertInteger, MAX_TIMER_MS } from "../manager/validate.js";
import { assertEvents, assertWebRole, assertWorkerJob, isThenable } from "./pool-checks.js";
import { type LiveJob, observeEnd, observeStart } from "./pool-observers.js";
import type { WorkerPoolEvents, WorkerPoolOptions } from "./pool-types.js";
import { type FromWorker, timeoutOutcome, type WorkerJob } from "./protocol.js";
import { currentRole } from "./role.js";
import { type Entry, holdOpen, isIdle, type Slot, send } from "./slot.js";
import { forkWorker, resolveModule } from "./spawn.js";

export type { WorkerPoolEvents, WorkerPoolOptions } from "./pool-types.js";

/** Start failures in a row before queued jobs fail; also the handovers a job survives. */
const MAX_START_FAILURES = 3;

/**
 * A supervised pool of worker processes: FIFO dispatch, at most `concurrency` jobs at once,
 * the cancel ladder (abort signal → grace period → kill and replace), and `lost` outcomes for
 * jobs whose process died while they ran. A process that was sent a kill, or whose previous job
 * left timers or handles behind, or that saw an error no job owned, is never handed another job;
 * a job handed to a process that died before the job started goes back to the head of the queue.
 * Constructing a pool starts nothing; it keeps no state outside this process.
 *
 * @example
 * ```ts
 * const pool = new WorkerPool({ module: "./app.ts" }, { end: (jobId, outcome) => save(jobId, outcome) });
 * pool.submit({ jobId: "j1", callbackId: "report.children", args: [3] });
 * ```
 */
export class WorkerPool {
  readonly #module: string;
  readonly #concurrency: number;
  readonly #graceMs: number;
  readonly #env: Readonly<Record<string, string>>;
  readonly #events: WorkerPoolEvents;
  readonly #queue: Entry[] = [];
  readonly #slots = new Set<Slot>();
  /** Jobs submitted whose `end` is not reported yet. */
  readonly #live = new Map<string, LiveJob>();
  /** Time-limit timers of running jobs with `timeoutMs`, by job id. */
  readonly #limits = new Map<string, NodeJS.Timeout>();
  #admitting: { readonly slot: Slot; readonly entry: Entry; cancelled: boolean } | undefined;
  #startFailures = 0;
  #closed = false;
  /**
   * Read once: a process's role is set when it starts (a job process is forked with it), and
   * reading the environment on every submit cost more than the rest of the submit.
   */
  readonly #webRole = currentRole() !== "worker";

  /** @throws `INVALID_ARGUMENT` for bad options or events. */
  constructor(options: WorkerPoolOptions, events: WorkerPoolEvents) {
    if (options === null || typeof options !== "object") {
      throw invalidArgument("worker", `Expected \`options\` to be an object, got ${describeValue(options)}`);
    }
    assertEvents(events);
    const concurrency = options.concurrency ?? 1;
    const graceMs = options.graceMs ?? 1000;
    assertId("worker", "module", options.module);
    assertInteger("worker", "concurrency", concurrency, 1, 256);
    assertInteger("worker", "graceMs", graceMs, 0);
    this.#module = resolveModule(options.module);
    this.#concurrency = concurrency;
    this.#graceMs = graceMs;
    this.#env = options.env ?? {};
    this.#events = events;
  }

  /** Jobs waiting (an admit pending included), jobs running, and worker processes alive. */
  get stats(): { queued: number; running: number; workers: number } {
    let running = 0;
    for (const slot of this.#slots) if (slot.entry !== undefined) running++;
    const queued = this.#queue.length + (this.#admitting === undefined ? 0 : 1);
    return { queued, running, workers: this.#slots.size };
  }

  /**
   * Starts worker processes up to `concurrency` ahead of the first jobs, so that those start at
   * once. Does nothing once the pool is closed.
   * @throws `WRONG_ROLE` in a job process.
   */
  warm(): void {
    assertWebRole("started worker processes (WorkerPool.warm)");
    let live = this.#liveSlots();
    while (!this.#closed && live < this.#concurrency && this.#spawn()) live++;
  }

  /**
   * Queues a job behind every job submitted before it.
   * @throws `MANAGER_CLOSED` after {@link close}; `WRONG_ROLE` in a job process;
   *   `INVALID_ARGUMENT` for a malformed job or the id of a job queued or running here.
   */
  submit(job: WorkerJob): void {
    if (this.#closed) {
      throw new BackgroundCallbackError("MANAGER_CLOSED", "[background-callbacks:worker] The worker pool is closed");
    }
    if (!this.#webRole) assertWebRole("submitted a job");
    assertWorkerJob(job);
    if (job.timeoutMs !== undefined) assertInteger("worker", "job.timeoutMs", job.timeoutMs, 1, MAX_TIMER_MS);
    if (job.submittedAt !== undefined) assertInteger("worker", "job.submittedAt", job.submittedAt, 0);
    if (this.#live.has(job.jobId)) {
      throw invalidArgument("worker", `The job "${job.jobId}" is queued or running already; give each job its own id`);
    }
    this.#live.set(job.jobId, { callbackId: job.callbackId, submittedAt: job.submittedAt ?? Date.now() });
    this.#queue.push({ job, admitted: false, deadHandovers: 0 });
    this.#pump();
  }

  /**
   * Cancels a job: a queued one (or one waiting for its admit) is dropped; a running one has its
   * signal aborted and its process killed after the grace period unless it returns first.
   * Reports `end(cancelled)` at once. Returns whether the job was queued or running here.
   */
  cancel(jobId: string): boolean {
    assertId("worker", "jobId", jobId);
    const index = this.#queue.findIndex((entry) => entry.job.jobId === jobId);
    if (index >= 0) {
      this.#queue.splice(index, 1);
      this.#end(jobId, { kind: "cancelled" });
      return true;
    }
    const pending = this.#admitting;
    if (pending !== undefined && pending.entry.job.jobId === jobId && !pending.cancelled) {
      pending.cancelled = true;
      this.#end(jobId, { kind: "cancelled" });
      return true;
    }
    const slot = this.#find((s) => s.entry?.job.jobId === jobId && !s.cancelled);
    if (slot === undefined) return false;
    this.#stop(slot, { kind: "cancelled" }, "its cancelled job outlived the grace period");
    return true;
  }

  /** Ends the slot's running job with `outcome` now, aborts its signal, kills it after the grace period. */
  #stop(slot: Slot, outcome: JobOutcome, reason: string): void {
    const jobId = slot.entry?.job.jobId as string;
    slot.cancelled = true;
    this.#end(jobId, outcome);
    send(slot, { t: "abort", jobId });
    slot.killTimer = setTimeout(() => this.#retire(slot, reason), this.#graceMs);
  }

  /** Arms the job's time limit, counted from its start. */
  #limit(slot: Slot, job: WorkerJob): void {
    const ms = job.timeoutMs;
    if (ms === undefined) return;
    const timer = setTimeout(() => {
      this.#limits.delete(job.jobId);
      // The limit decides even over a "done" still in flight: the job ran out of time.
      if (slot.entry?.job.jobId === job.jobId && !slot.cancelled) {
        this.#stop(slot, timeoutOutcome(ms), "its timed-out job outlived the grace period");
      }
    }, ms);
    timer.unref();
    this.#limits.set(job.jobId, timer);
  }

  /** Stops every worker process; queued and running jobs end `lost`. Spawns nothing after. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const timer of this.#limits.values()) clearTimeout(timer);
    this.#limits.clear();
    const reason = "The manager was closed before the job started";
    for (const entry of this.#queue.splice(0)) this.#end(entry.job.jobId, { kind: "lost", reason });
    if (this.#admitting !== undefined) this.#end(this.#admitting.entry.job.jobId, { kind: "lost", reason });
    // A slot leaves the set on 'close'; that listener was added first, so outcomes precede resolve.
    const exits = [...this.#slots].map(
      (slot) =>
        new Promise<void>((resolve) => {
          // An idle worker is unref'd; ref it so this process waits for the exit it awaits.
          holdOpen(slot, true);
          slot.child.once("close", () => resolve());
          slot.child.kill("SIGKILL");
        }),
    );
    await Promise.all(exits);
  }

  /** The first process that matches, without copying the set (this runs for every job). */
  #find(match: (slot: Slot) => boolean): Slot | undefined {
    for (const slot of this.#slots) if (match(slot)) return slot;
    return undefined;
  }

  #liveSlots(): number {
    let live = 0;
    for (const slot of this.#slots) if (slot.retiring === undefined) live++;
    return live;
  }

  /** Hands queued jobs to idle processes in order, one admit at a time; starts processes as needed. */
  #pump(): void {
    if (this.#closed) return;
    while (this.#admitting === undefined && this.#queue.length > 0) {
      const slot = this.#find(isIdle);
      if (slot === undefined) break;
      this.#offer(slot, this.#queue.shift() as Entry);
    }
    let starting = 0;
    for (const slot of this.#slots) if (!slot.ready && slot.retiring === undefined) starting++;
    let live = this.#liveSlots();
    while (this.#queue.length > starting && live < this.#concurrency && this.#spawn()) {
      starting++;
      live++;
    }
  }

  #offer(slot: Slot, entry: Entry): void {
    if (entry.admitted || this.#events.admit === undefined) {
      this.#dispatch(slot, entry);
      return;
    }
    let verdict: unknown;
    try {
      verdict = this.#events.admit(entry.job.jobId);
    } catch {
      verdict = true;
    }
    if (!isThenable(verdict)) {
      this.#decide(slot, entry, verdict !== false);
      return;
    }
    const pending = { slot, entry, cancelled: false };
    this.#admitting = pending;
    slot.reserved = true;
    Promise.resolve(verdict)
      .then(
        (value) => value !== false,
        () => true,
      )
      .then((admitted) => {
        this.#admitting = undefined;
        slot.reserved = false;
        if (!this.#closed && !pending.cancelled) this.#decide(slot, entry, admitted);
        this.#pump();
      });
  }

  #decide(slot: Slot, entry: Entry, admitted: boolean): void {
    entry.admitted = true;
    if (!admitted) this.#end(entry.job.jobId, { kind: "cancelled" });
    // The reserved process may have died or retired while the admit was pending.
    else if (this.#slots.has(slot) && isIdle(slot)) this.#dispatch(slot, entry);
    else this.#queue.unshift(entry);
  }

  #dispatch(slot: Slot, entry: Entry): void {
    slot.entry = entry;
    slot.started = false;
    slot.cancelled = false;
    holdOpen(slot, true);
    send(slot, { t: "run", job: entry.job });
  }

  /** Starts one process; false when that is impossible (closed, or the fork failed). */
  #spawn(): boolean {
    if (this.#closed) return false;
    let slot: Slot;
    try {
      const child = forkWorker(this.#module, { ...this.#env });
      slot = { child, ready: false, reserved: false, started: false, cancelled: false };
    } catch (error) {
      this.#failQueued(error instanceof Error ? error.message : String(error));
      return false;
    }
    this.#slots.add(slot);
    slot.child.on("message", (message: FromWorker) => this.#onMessage(slot, message));
    slot.child.on("error", () => {
      // 'close' follows and does the bookkeeping.
    });
    // 'close', not 'exit': messages the process sent before it died (its "started") may still be
    // unread at 'exit'; 'close' comes once the channel is drained.
    slot.child.on("close", (code, signal) => this.#onExit(slot, code, signal));
    return true;
  }

  #onMessage(slot: Slot, message: FromWorker): void {
    switch (message.t) {
      case "ready":
        slot.ready = true;
        this.#startFailures = 0;
        holdOpen(slot, false);
        this.#pump();
        return;
      case "fatal":
        slot.fatal = message.message;
        return;
      case "started":
        if (slot.entry?.job.jobId !== message.jobId) return;
        slot.started = true;
        if (slot.cancelled) return;
        this.#limit(slot, slot.entry.job);
        observeStart(message.jobId, this.#live.get(message.jobId));
        this.#events.start?.(message.jobId, slot.child.pid ?? 0);
        return;
      case "progress":
        if (this.#reports(slot, message.jobId)) this.#events.progress?.(message.jobId, message.value);
        return;
      case "props":
        if (this.#reports(slot, message.jobId)) this.#events.props?.(message.jobId, message.id, message.props);
        return;
      case "done":
        this.#onDone(slot, message.jobId, message.outcome, message.leftovers);
        return;
      case "retire":
        // A job running there now may finish; one handed over but not started goes elsewhere.
        if (slot.entry !== undefined && slot.started) slot.retireAfterJob ??= message.reason;
        else this.#retire(slot, message.reason);
    }
  }

  #reports(slot: Slot, jobId: string): boolean {
    return slot.entry?.job.jobId === jobId && !slot.cancelled;
  }

  #onDone(slot: Slot, jobId: string, outcome: JobOutcome, leftovers: readonly string[] | undefined): void {
    if (slot.entry?.job.jobId !== jobId) return;
    clearTimeout(slot.killTimer);
    const cancelled = slot.cancelled;
    slot.entry = undefined;
    slot.started = false;
    slot.cancelled = false;
    const retire =
      leftovers !== undefined && leftovers.length > 0
        ? `the job ${jobId} left ${[...new Set(leftovers)].join(", ")} behind`
        : slot.retireAfterJob;
    // Retired before the end is reported: a submit made from `end` must not land on this process.
    if (retire !== undefined) this.#retire(slot, retire);
    else holdOpen(slot, false);
    if (!cancelled) this.#end(jobId, outcome);
    this.#pump();
  }

  /** Takes the process out of service for good and kills it; a replacement may start at once. */
  #retire(slot: Slot, reason: string): void {
    if (slot.retiring !== undefined) return;
    slot.retiring = reason;
    slot.child.kill("SIGKILL");
    this.#pump();
  }

  #onExit(slot: Slot, code: number | null, signal: NodeJS.Signals | null): void {
    this.#slots.delete(slot);
    clearTimeout(slot.killTimer);
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    if (slot.entry !== undefined && !slot.cancelled) this.#handBack(slot.entry, slot.started, how);
    if (this.#closed) return;
    if (!slot.ready) {
      this.#startFailures++;
      if (slot.fatal !== undefined || this.#startFailures >= MAX_START_FAILURES) {
        this.#startFailures = 0;
        this.#failQueued(slot.fatal ?? `the process ${how}`);
      }
    }
    this.#pump();
  }

  /** A job whose process died: `lost` if it had started, otherwise back to the head of the queue. */
  #handBack(entry: Entry, started: boolean, how: string): void {
    const { jobId } = entry.job;
    entry.deadHandovers++;
    if (started) this.#end(jobId, { kind: "lost", reason: `The worker process running the job ${how}` });
    else if (this.#closed) this.#end(jobId, { kind: "lost", reason: "The manager was closed before the job started" });
    else if (entry.deadHandovers < MAX_START_FAILURES) this.#queue.unshift(entry);
    else {
      const reason = `${MAX_START_FAILURES} worker processes died before the job could start (the last ${how})`;
      this.#end(jobId, { kind: "lost", reason });
    }
  }

  #failQueued(reason: string): void {
    const message = `[background-callbacks:worker] A worker process could not load "${this.#module}": ${reason}`;
    for (const entry of this.#queue.splice(0)) this.#end(entry.job.jobId, { kind: "error", message });
  }

  #end(jobId: string, outcome: JobOutcome): void {
    clearTimeout(this.#limits.get(jobId));
    this.#limits.delete(jobId);
    const live = this.#live.get(jobId);
    if (live === undefined) return;
    this.#live.delete(jobId);
    // Observers first: once the outcome is stored and read, the metrics count it already.
    observeEnd(jobId, live, outcome);
    this.#events.end(jobId, outcome);
  }
}
