import type { ChildProcess } from "node:child_process";
import { BackgroundCallbackError } from "../errors.js";
import type { JobOutcome, Json } from "../manager/contract.js";
import { assertInteger } from "../manager/validate.js";
import type { FromWorker, ToWorker, WorkerJob } from "./protocol.js";
import { currentRole } from "./role.js";
import { forkWorker, resolveModule } from "./spawn.js";

/** Options of a {@link WorkerPool}. */
export interface WorkerPoolOptions {
  /** The app module each worker process loads; it registers the job functions. */
  readonly module: string;
  /** Worker processes, and so jobs running at once. @default 1 */
  readonly concurrency?: number;
  /** How long a cancelled job may keep running after its signal aborts before its process is killed. @default 1000 */
  readonly graceMs?: number;
  /** Extra environment variables for the worker processes. */
  readonly env?: Readonly<Record<string, string>>;
}

/** What a pool reports. `end` comes exactly once per submitted job. */
export interface WorkerPoolEvents {
  start?(jobId: string, pid: number): void;
  progress?(jobId: string, value: Json): void;
  props?(jobId: string, id: string, props: Record<string, Json>): void;
  end(jobId: string, outcome: JobOutcome): void;
}

interface Slot {
  readonly child: ChildProcess;
  ready: boolean;
  jobId?: string;
  /** The job was cancelled; the process is finishing it or about to be killed. */
  cancelled?: boolean;
  killTimer?: NodeJS.Timeout;
  fatal?: string;
}

const MAX_START_FAILURES = 3;

/**
 * A supervised pool of worker processes: FIFO dispatch, at most `concurrency` jobs at once,
 * the cancel ladder (abort signal → grace period → kill and replace), and `lost` outcomes for
 * jobs whose process died. Managers build on it; it keeps no state outside this process.
 */
export class WorkerPool {
  readonly #module: string;
  readonly #concurrency: number;
  readonly #graceMs: number;
  readonly #env: Readonly<Record<string, string>>;
  readonly #events: WorkerPoolEvents;
  readonly #queue: WorkerJob[] = [];
  readonly #slots = new Set<Slot>();
  #startFailures = 0;
  #closed = false;

  constructor(options: WorkerPoolOptions, events: WorkerPoolEvents) {
    if (currentRole() === "worker") {
      throw new BackgroundCallbackError(
        "WRONG_ROLE",
        "[background-callbacks:worker] A worker process cannot start worker processes of its own; submit jobs from the web process",
      );
    }
    const concurrency = options.concurrency ?? 1;
    const graceMs = options.graceMs ?? 1000;
    assertInteger("worker", "concurrency", concurrency, 1, 256);
    assertInteger("worker", "graceMs", graceMs, 0);
    this.#module = resolveModule(options.module);
    this.#concurrency = concurrency;
    this.#graceMs = graceMs;
    this.#env = options.env ?? {};
    this.#events = events;
  }

  /** Jobs waiting, jobs running, and worker processes alive. */
  get stats(): { queued: number; running: number; workers: number } {
    let running = 0;
    for (const slot of this.#slots) if (slot.jobId !== undefined) running++;
    return { queued: this.#queue.length, running, workers: this.#slots.size };
  }

  /** Starts worker processes up to `concurrency` ahead of the first jobs, so that those start at once. */
  warm(): void {
    while (!this.#closed && this.#slots.size < this.#concurrency) this.#spawn();
  }

  /** Queues a job behind every job submitted before it. */
  submit(job: WorkerJob): void {
    if (this.#closed) {
      throw new BackgroundCallbackError("MANAGER_CLOSED", "[background-callbacks:worker] The worker pool is closed");
    }
    this.#queue.push(job);
    this.#pump();
  }

  /**
   * Cancels a job: a queued one is dropped; a running one has its signal aborted and its process
   * killed after the grace period. Reports `end(cancelled)` at once. Returns whether the job was
   * queued or running here.
   */
  cancel(jobId: string): boolean {
    const index = this.#queue.findIndex((job) => job.jobId === jobId);
    if (index >= 0) {
      this.#queue.splice(index, 1);
      this.#events.end(jobId, { kind: "cancelled" });
      return true;
    }
    const slot = [...this.#slots].find((s) => s.jobId === jobId && !s.cancelled);
    if (slot === undefined) return false;
    slot.cancelled = true;
    this.#events.end(jobId, { kind: "cancelled" });
    this.#send(slot, { t: "abort", jobId });
    slot.killTimer = setTimeout(() => slot.child.kill("SIGKILL"), this.#graceMs);
    return true;
  }

  /** Stops every worker process; queued and running jobs end `lost`. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const job of this.#queue.splice(0)) {
      this.#events.end(job.jobId, { kind: "lost", reason: "The manager was closed before the job started" });
    }
    const exits = [...this.#slots].map(
      (slot) =>
        new Promise<void>((resolve) => {
          if (slot.child.exitCode !== null || slot.child.signalCode !== null) return resolve();
          // An idle worker is unref'd; ref it so this process waits for the exit it awaits.
          slot.child.ref();
          slot.child.once("exit", () => resolve());
          slot.child.kill("SIGKILL");
        }),
    );
    await Promise.all(exits);
  }

  #pump(): void {
    if (this.#closed) return;
    for (const slot of this.#slots) {
      if (this.#queue.length === 0) break;
      if (slot.ready && slot.jobId === undefined) this.#dispatch(slot, this.#queue.shift() as WorkerJob);
    }
    let starting = 0;
    for (const slot of this.#slots) if (!slot.ready) starting++;
    while (this.#queue.length > starting && this.#slots.size < this.#concurrency) {
      this.#spawn();
      starting++;
    }
  }

  #dispatch(slot: Slot, job: WorkerJob): void {
    slot.jobId = job.jobId;
    slot.cancelled = false;
    this.#ref(slot, true);
    this.#send(slot, { t: "run", job });
    this.#events.start?.(job.jobId, slot.child.pid ?? 0);
  }

  #spawn(): void {
    let child: ChildProcess;
    try {
      child = forkWorker(this.#module, { ...this.#env });
    } catch (error) {
      this.#failQueued(error instanceof Error ? error.message : String(error));
      return;
    }
    const slot: Slot = { child, ready: false };
    this.#slots.add(slot);
    child.on("message", (message: FromWorker) => this.#onMessage(slot, message));
    child.on("error", () => {
      // 'exit' follows and does the bookkeeping.
    });
    child.on("exit", (code, signal) => this.#onExit(slot, code, signal));
  }

  #onMessage(slot: Slot, message: FromWorker): void {
    switch (message.t) {
      case "ready":
        slot.ready = true;
        this.#startFailures = 0;
        this.#ref(slot, false);
        this.#pump();
        return;
      case "fatal":
        slot.fatal = message.message;
        return;
      case "progress":
        if (message.jobId === slot.jobId && !slot.cancelled) this.#events.progress?.(message.jobId, message.value);
        return;
      case "props":
        if (message.jobId === slot.jobId && !slot.cancelled) {
          this.#events.props?.(message.jobId, message.id, message.props);
        }
        return;
      case "done":
        if (message.jobId !== slot.jobId) return;
        clearTimeout(slot.killTimer);
        if (!slot.cancelled) this.#events.end(message.jobId, message.outcome);
        slot.jobId = undefined;
        slot.cancelled = false;
        this.#ref(slot, false);
        this.#pump();
    }
  }

  #onExit(slot: Slot, code: number | null, signal: NodeJS.Signals | null): void {
    this.#slots.delete(slot);
    clearTimeout(slot.killTimer);
    if (slot.jobId !== undefined && !slot.cancelled) {
      const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
      this.#events.end(slot.jobId, { kind: "lost", reason: `The worker process running the job ${how}` });
    }
    if (this.#closed) return;
    if (!slot.ready) {
      this.#startFailures++;
      if (slot.fatal !== undefined || this.#startFailures >= MAX_START_FAILURES) {
        this.#startFailures = 0;
        this.#failQueued(
          slot.fatal ?? `the process ${signal ? `was killed by ${signal}` : `exited with code ${code}`}`,
        );
      }
    }
    this.#pump();
  }

  #failQueued(reason: string): void {
    const message = `[background-callbacks:worker] A worker process could not load "${this.#module}": ${reason}`;
    for (const job of this.#queue.splice(0)) this.#events.end(job.jobId, { kind: "error", message });
  }

  #send(slot: Slot, message: ToWorker): void {
    if (slot.child.connected) slot.child.send(message);
  }

  /** An idle pool does not keep the process alive; a busy one does. */
  #ref(slot: Slot, busy: boolean): void {
    const channel = slot.child.channel as { ref?(): void; unref?(): void } | null | undefined;
    if (busy) {
      slot.child.ref();
      channel?.ref?.();
    } else {
      slot.child.unref();
      channel?.unref?.();
    }
  }
}
