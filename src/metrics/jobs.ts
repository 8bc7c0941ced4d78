import type { Registry } from "prom-client";
import { observePools } from "../worker/pool-observers.js";
import { BoundedLabel, MAX_CALLBACKS, metricsIn, prom } from "./prom.js";

/** Seconds a job runs: from a no-op to half an hour. */
const DURATION_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800];
/** Seconds a job waits for its start: from an idle queue to a long backlog. */
const WAIT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];

let registry: Registry | undefined;
let defaults = false;

/**
 * The registry of this process's job metrics: what its worker pools (a DiskManager's in the web
 * process, a queue worker's in the worker CLI) started and ended. Created on first call, with an
 * observer of every pool of the process; with `defaultMetrics`, prom-client's process metrics
 * (CPU, memory, event loop lag) join it once.
 */
export function processRegistry(defaultMetrics: boolean): Registry {
  const client = prom();
  registry ??= createJobMetrics(new client.Registry());
  if (defaultMetrics && !defaults) {
    defaults = true;
    client.collectDefaultMetrics({ register: registry });
  }
  return registry;
}

function createJobMetrics(registry: Registry): Registry {
  const { counter, gauge, histogram } = metricsIn(registry);
  const started = counter(
    "background_callbacks_jobs_started_total",
    "Jobs whose function was called in this process's worker pools",
    ["callback"],
  );
  const ended = counter(
    "background_callbacks_jobs_ended_total",
    "Jobs that ended in this process's worker pools, by outcome (result, noUpdate, error, cancelled, lost); includes jobs cancelled before they started",
    ["callback", "outcome"],
  );
  const running = gauge("background_callbacks_pool_running_jobs", "Jobs running now in this process's worker pools", [
    "callback",
  ]);
  const duration = histogram(
    "background_callbacks_job_duration_seconds",
    "Seconds from a job's start to its end, for jobs that started",
    ["callback", "outcome"],
    DURATION_BUCKETS,
  );
  const wait = histogram(
    "background_callbacks_job_queue_wait_seconds",
    "Seconds from a job's submit to its start (clocks of two hosts for a queue worker)",
    ["callback"],
    WAIT_BUCKETS,
  );
  const callbacks = new BoundedLabel(MAX_CALLBACKS);
  observePools({
    started(job) {
      const callback = callbacks.of(job.callbackId);
      started.inc({ callback });
      running.inc({ callback });
      wait.observe({ callback }, Math.max(0, ((job.startedAt ?? job.submittedAt) - job.submittedAt) / 1000));
    },
    ended(job) {
      const callback = callbacks.of(job.callbackId);
      ended.inc({ callback, outcome: job.outcome });
      if (job.runSeconds === undefined) return;
      running.dec({ callback });
      duration.observe({ callback, outcome: job.outcome }, job.runSeconds);
    },
  });
  return registry;
}
