/**
 * The app of bench/protocol.ts, on the manager named by BENCH_MANAGER ("disk" or "queue"). The web
 * process (BENCH_SERVE=1) serves it twice on loopback, as configured by default and as Dash behaves
 * (`firstResponseWaitMs: 0, longPollMs: 0`), and sends both URLs to its parent. Worker processes
 * (the DiskManager's pool, the queue worker CLI) load this module for its jobs.
 */
import { callback, Dash, html, Input, isWorkerProcess, Output } from "background-callbacks";
import { benchManager } from "./protocol-manager.js";

/** Wall-clock milliseconds with sub-millisecond precision, comparable between processes of one machine. */
const now = () => performance.timeOrigin + performance.now();

export const manager = benchManager(process.env, new URL(import.meta.url).pathname);

export const ours = new Dash({ backgroundCallbackManager: manager });
export const dashStyle = new Dash({ backgroundCallbackManager: manager, firstResponseWaitMs: 0, longPollMs: 0 });
for (const app of [ours, dashStyle]) app.layout = html.Div([html.P({ id: "out" })]);

callback({ output: Output("echo-out", "children"), inputs: Input("echo-in", "value") }, (value: unknown) => value);

callback(
  { output: Output("noop-out", "children"), inputs: Input("noop-in", "value"), background: true, interval: 1000 },
  (value: unknown) => value,
);

/** A 1,500 ms job; its result is the time it ended. */
callback(
  { output: Output("slow-out", "children"), inputs: Input("slow-in", "value"), background: true, interval: 1000 },
  async () => {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    return now();
  },
);

/** Progress every 300 ms, each the time it was set; the renderer polls every 100 ms. */
callback(
  {
    output: Output("prog-out", "children"),
    inputs: Input("prog-in", "value"),
    background: true,
    interval: 100,
    progress: Output("prog-bar", "children"),
  },
  async (setProgress: (value: number) => void, count: number) => {
    for (let i = 0; i < count; i++) {
      await new Promise((resolve) => setTimeout(resolve, 300));
      setProgress(now());
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    return count;
  },
);

if (process.env.BENCH_SERVE === "1" && !isWorkerProcess()) {
  const [a, b] = await Promise.all([ours, dashStyle].map((app) => app.run({ port: 0, host: "127.0.0.1" })));
  process.send?.({ ours: a?.url, dashStyle: b?.url });
  // The benchmark died: do not outlive it.
  process.on("disconnect", () => process.exit(1));
}
