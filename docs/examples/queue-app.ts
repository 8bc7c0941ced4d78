/** app.ts: the same module runs as a web process (`npx tsx app.ts`) and as a worker (the CLI). */
import { callback, Dash, html, Input, Output } from "background-callbacks";
import { QueueManager } from "background-callbacks/managers/queue";

const manager = new QueueManager({ connection: process.env.REDIS_URL ?? "redis://127.0.0.1:6379" });

const app = new Dash({ backgroundCallbackManager: manager, title: "Reports" });

app.layout = html.Div([
  html.Button({ id: "run", children: "Build the report" }),
  html.Progress({ id: "progress", value: "0", max: "10" }),
  html.P({ id: "result" }),
]);

callback(
  {
    output: Output("result", "children"),
    inputs: Input("run", "n_clicks"),
    background: true,
    progress: Output("progress", "value"),
    preventInitialCall: true,
  },
  async (setProgress: (value: string) => void, clicks: number) => {
    for (let step = 1; step <= 10; step++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      setProgress(String(step));
    }
    return `Report #${clicks} is ready`;
  },
);

// In a worker (BACKGROUND_CALLBACKS_ROLE=queue-worker, set by the CLI) this serves nothing.
await app.run({ port: Number(process.env.PORT ?? 8050), host: "0.0.0.0" });
