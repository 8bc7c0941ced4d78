/** The app of bench/server.ts; worker processes load this module too. */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { callback, ctx, Dash, html, Input, Output } from "background-callbacks";
import { DiskManager } from "background-callbacks/managers/disk";

export const manager = new DiskManager({
  path: process.env.BENCH_DB ?? join(tmpdir(), `bgcb-bench-server-${process.pid}.sqlite`),
  workerModule: fileURLToPath(import.meta.url),
  concurrency: 1,
});

/** Two apps on one manager: one answers as soon as it can (long polls), one as Dash does (answers at once, polled every interval). */
export const longPolling = new Dash({ backgroundCallbackManager: manager, longPollMs: 10_000 });
export const shortPolling = new Dash({ backgroundCallbackManager: manager, longPollMs: 0, firstResponseWaitMs: 0 });

for (const app of [longPolling, shortPolling]) app.layout = html.Div([html.P({ id: "out" })]);

callback({ output: Output("echo-out", "children"), inputs: Input("echo-in", "value") }, (value: string) => value);

callback({ output: Output("spin-out", "children"), inputs: Input("spin-in", "value"), background: true }, () => {
  while (!ctx.signal.aborted) {
    // CPU-bound: never yields
  }
  return null;
});

callback(
  { output: Output("fast-out", "children"), inputs: Input("fast-in", "value"), background: true, interval: 1000 },
  (value: string) => value,
);

callback(
  { output: Output("slow-out", "children"), inputs: Input("slow-in", "value"), background: true, interval: 1000 },
  async (value: string) => {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    return value;
  },
);
