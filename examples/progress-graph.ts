/** A plotly bar in a dcc.Graph advances with the job; it goes back to empty when the job ends or is cancelled. */
import { callback, Dash, dcc, html, Input, Output } from "background-callbacks";
import { exampleManager, sleep } from "./manager.js";

/** A horizontal bar of length `progress` on an axis from 0 to `total`. */
function progressGraph(progress: number, total: number) {
  return {
    data: [{ type: "bar", x: [progress], orientation: "h" }],
    layout: {
      xaxis: { range: [0, total] },
      yaxis: { showticklabels: false },
      height: 100,
      margin: { t: 20, b: 40 },
    },
  };
}

const app = new Dash({ backgroundCallbackManager: exampleManager("progress-graph"), title: "Progress graph" });

app.layout = html.Div([
  html.Div([
    html.P({ id: "paragraph_id", children: ["Button not clicked"] }),
    dcc.Graph({ id: "progress_bar_graph", figure: progressGraph(0, 10) }),
  ]),
  html.Button({ id: "button_id", children: "Run Job!" }),
  html.Button({ id: "cancel_button_id", children: "Cancel Running Job!" }),
]);

callback(
  {
    output: Output("paragraph_id", "children"),
    inputs: Input("button_id", "n_clicks"),
    background: true,
    progress: Output("progress_bar_graph", "figure"),
    progressDefault: progressGraph(0, 10),
    interval: 1000,
    cancel: [Input("cancel_button_id", "n_clicks")],
    preventInitialCall: true,
  },
  async (setProgress: (figure: ReturnType<typeof progressGraph>) => void, nClicks: number) => {
    const total = 10;
    for (let i = 0; i < total; i++) {
      await sleep(500);
      setProgress(progressGraph(i + 1, total));
    }
    return `Clicked ${nClicks} times`;
  },
);

await app.run();
