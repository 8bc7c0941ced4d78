import type { Counter, Gauge, Registry } from "prom-client";
import type { BackgroundCallbackManager, ManagerSnapshot } from "../manager/contract.js";
import { metricsIn } from "./prom.js";

/** A manager of the app and its `manager` label. */
export interface NamedManager {
  readonly name: string;
  readonly manager: BackgroundCallbackManager;
}

type Label = "manager";

/**
 * The gauges read at scrape time from each manager's `inspect()`: queue depth, running jobs, live
 * workers, jobs lost in the last hour, the oldest running job's age, and whether the read worked.
 */
export class ManagerGauges {
  readonly #queued: Gauge<Label>;
  readonly #running: Gauge<Label>;
  readonly #workers: Gauge<Label>;
  readonly #lost: Gauge<Label>;
  readonly #oldest: Gauge<Label>;
  readonly #up: Gauge<Label>;
  readonly #errors: Counter<Label>;
  readonly #timeoutMs: number;
  readonly #log: (message: string, error?: unknown) => void;
  /** Managers whose last read failed: a failure is logged when it starts, not at every scrape. */
  readonly #failing = new Set<string>();

  constructor(registry: Registry, timeoutMs: number, log: (message: string, error?: unknown) => void) {
    const made = metricsIn(registry);
    const gauge = (name: string, help: string) => made.gauge(name, help, ["manager"]);
    this.#queued = gauge("background_callbacks_queue_depth", "Jobs waiting to start (inspect(), at scrape time)");
    this.#running = gauge("background_callbacks_running_jobs", "Jobs running now (inspect(), at scrape time)");
    this.#workers = gauge(
      "background_callbacks_live_workers",
      "Worker processes (DiskManager: web processes running pools) with a recent heartbeat",
    );
    this.#lost = gauge("background_callbacks_lost_jobs_last_hour", "Jobs that ended lost within the last hour");
    this.#oldest = gauge(
      "background_callbacks_oldest_running_job_seconds",
      "Age of the longest-running job now; 0 when none runs",
    );
    this.#up = gauge(
      "background_callbacks_inspect_up",
      "1 when the manager's inspect() answered within the timeout at this scrape, else 0",
    );
    this.#errors = made.counter(
      "background_callbacks_inspect_errors_total",
      "Scrapes at which the manager's inspect() failed or timed out",
      ["manager"],
    );
    this.#timeoutMs = timeoutMs;
    this.#log = log;
  }

  /** Reads every manager with `inspect()` at once and sets the gauges; never rejects. */
  async read(managers: readonly NamedManager[]): Promise<void> {
    const snapshots = await Promise.all(managers.map((named) => this.#inspect(named)));
    for (const gauge of [this.#queued, this.#running, this.#workers, this.#lost, this.#oldest, this.#up]) gauge.reset();
    managers.forEach(({ name, manager }, i) => {
      if (typeof manager.inspect !== "function") return;
      const snapshot = snapshots[i];
      const labels = { manager: name };
      // Present from the first scrape on, so that rate() sees the first failure.
      this.#errors.inc(labels, 0);
      this.#up.set(labels, snapshot === undefined ? 0 : 1);
      if (snapshot === undefined) return;
      this.#queued.set(labels, snapshot.queued);
      this.#running.set(labels, snapshot.running.length);
      this.#workers.set(labels, snapshot.workers.length);
      this.#lost.set(labels, snapshot.lostLastHour);
      const oldest = Math.min(snapshot.at, ...snapshot.running.map((job) => job.startedAt));
      this.#oldest.set(labels, Math.max(0, snapshot.at - oldest) / 1000);
    });
  }

  async #inspect({ name, manager }: NamedManager): Promise<ManagerSnapshot | undefined> {
    if (typeof manager.inspect !== "function") return undefined;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`inspect() did not answer within ${this.#timeoutMs} ms`)),
        this.#timeoutMs,
      );
    });
    try {
      const snapshot = await Promise.race([manager.inspect(), timeout]);
      this.#failing.delete(name);
      return snapshot;
    } catch (error) {
      this.#errors.inc({ manager: name });
      if (!this.#failing.has(name)) this.#log(`metrics: the manager "${name}" could not be inspected`, error);
      this.#failing.add(name);
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}
