/**
 * A web process for the shutdown test: one background callback that runs until cancelled, long
 * polls of 60 s, a DiskManager on the SQLite file named by CACHE_PATH. Worker processes load this
 * module too (the callback is global); run as a script, it serves the app and prints its URL.
 */
import { fileURLToPath } from "node:url";
import { DiskManager } from "../../managers/disk/index.js";
import { callback, Dash, html, Input, Output } from "../../src/index.js";

callback(
  { output: Output("slow-out", "children"), inputs: Input("slow-in", "value"), background: true, interval: 100 },
  async () => {
    await new Promise((resolve) => setTimeout(resolve, 120_000));
    return "done";
  },
);

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const app = new Dash({
    backgroundCallbackManager: new DiskManager({
      path: process.env.CACHE_PATH as string,
      workerModule: fileURLToPath(import.meta.url),
    }),
    longPollMs: 60_000,
  });
  app.layout = html.Div([html.Button({ id: "slow-in" }), html.P({ id: "slow-out" })]);
  await app.run({ port: 0, shutdownGraceMs: Number(process.env.SHUTDOWN_GRACE_MS) });
}
