/** An html.Progress bar follows the job's five steps; the job can be cancelled. */
import { callback, Dash, html, Input, Output } from "background-callbacks";
import { exampleManager, sleep } from "./manager.js";

const app = new Dash({ backgroundCallbackManager: exampleManager("progress-bar"), title: "Progress bar" });

app.layout = html.Div([
  html.Div([
    html.P({ id: "paragraph_id", children: ["Button not clicked"] }),
    html.Progress({ id: "progress_bar", value: "0", style: { visibility: "hidden" } }),
  ]),
  html.Button({ id: "button_id", children: "Run Job!" }),
  html.Button({ id: "cancel_button_id", children: "Cancel Running Job!", disabled: true }),
]);

callback(
  {
    output: Output("paragraph_id", "children"),
    inputs: Input("button_id", "n_clicks"),
    background: true,
    running: [
      [Output("button_id", "disabled"), true, false],
      [Output("cancel_button_id", "disabled"), false, true],
      [Output("paragraph_id", "style"), { visibility: "hidden" }, { visibility: "visible" }],
      [Output("progress_bar", "style"), { visibility: "visible" }, { visibility: "hidden" }],
    ],
    cancel: Input("cancel_button_id", "n_clicks"),
    progress: [Output("progress_bar", "value"), Output("progress_bar", "max")],
    progressDefault: ["0", "5"],
    preventInitialCall: true,
  },
  async (setProgress: (value: [string, string]) => void, nClicks: number) => {
    const total = 5;
    for (let i = 0; i <= total; i++) {
      setProgress([String(i), String(total)]);
      await sleep(1000);
    }
    return `Clicked ${nClicks} times`;
  },
);

await app.run();
