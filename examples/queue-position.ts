/**
 * One job at a time and a line to wait in: each page shows its place in the queue ("2 jobs ahead
 * of you"), counting down as the jobs ahead end, then a progress bar while its own job runs. Open it
 * in three tabs and click in each. The app's metrics are at `_dash-metrics`, in Prometheus' text
 * format: jobs submitted, started and ended, the queue's depth, durations.
 */
import { callback, Dash, html, Input, Output } from "background-callbacks";
import { exampleManager, sleep } from "./manager.js";

const STEPS = 8;

const app = new Dash({
  backgroundCallbackManager: exampleManager("queue-position"),
  title: "Queue position",
  metrics: true,
});

app.layout = html.Div([
  html.P("Jobs run one at a time. Open this page in a few tabs and click in each."),
  html.Button({ id: "order_button", children: "Order a report" }),
  html.P({ id: "queue_status", children: "" }),
  html.Progress({ id: "report_progress", value: "0", max: String(STEPS) }),
  html.P({ id: "report", children: "No report yet" }),
]);

callback(
  {
    output: Output("report", "children"),
    inputs: Input("order_button", "n_clicks"),
    background: true,
    preventInitialCall: true,
    progress: Output("report_progress", "value"),
    progressDefault: "0",
    running: [
      [Output("order_button", "disabled"), true, false],
      [Output("queue_status", "children"), "Sending the order...", ""],
    ],
    queued: [
      Output("queue_status", "children"),
      (ahead: number) => (ahead === 0 ? "You are next" : `${ahead} ${ahead === 1 ? "job" : "jobs"} ahead of you`),
      "Working on your report...",
    ],
  },
  async (setProgress: (value: string) => void, clicks: number) => {
    for (let step = 1; step <= STEPS; step++) {
      await sleep(500);
      setProgress(String(step));
    }
    return `Report #${clicks} is ready (${new Date().toLocaleTimeString("en-GB")})`;
  },
);

await app.run();
