import { callback, Dash, html, Input, Output } from "background-callbacks";
import { DiskManager } from "background-callbacks/managers/disk";

// At most 3 jobs of one browser session may wait in the queue (per web process).
const app = new Dash({
  backgroundCallbackManager: new DiskManager({ path: "./cache.sqlite" }),
  maxQueuedPerClient: 3,
  clientCookie: "session",
});

app.layout = html.Div([
  html.Button({ id: "run", children: "Make my report" }),
  html.P({ id: "queue-status" }),
  html.P({ id: "report" }),
]);

callback(
  {
    output: Output("report", "children"),
    inputs: Input("run", "n_clicks"),
    background: true,
    preventInitialCall: true,
    // While the job waits: "2 jobs ahead of you", ...; once it runs: "Working on it...".
    // Listed in `running` too, the status is cleared when the job ends (running's off value).
    running: [[Output("queue-status", "children"), "Starting...", ""]],
    queued: [
      Output("queue-status", "children"),
      (ahead) => (ahead === 0 ? "You are next" : `${ahead} ${ahead === 1 ? "job" : "jobs"} ahead of you`),
      "Working on it...",
    ],
    // A start past maxQueuedPerClient shows here instead of failing the callback.
    onError: (error) => `Not now: ${error.message}`,
  },
  async (clicks: number) => `Report #${clicks}`,
);

await app.run();
