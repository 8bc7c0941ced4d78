import { Dash } from "background-callbacks";
import { QueueManager } from "background-callbacks/managers/queue";

const manager = new QueueManager({ connection: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" });

// Prometheus text at /_dash-metrics. It names the app's callbacks: let only the scraper reach it.
const app = new Dash({ backgroundCallbackManager: manager, metrics: true });

// Or at /metrics, without prom-client's process metrics, and at most 1 s for each manager's numbers.
const tuned = new Dash({
  backgroundCallbackManager: manager,
  metrics: { path: "metrics", defaultMetrics: false, inspectTimeoutMs: 1_000 },
});

export { app, tuned };
