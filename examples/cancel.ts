/** A second button cancels the running job; each button is enabled only when it can act. */
import { callback, Dash, html, Input, Output } from "background-callbacks";
import { exampleManager, sleep } from "./manager.js";

const app = new Dash({ backgroundCallbackManager: exampleManager("cancel"), title: "Cancel a running job" });

app.layout = html.Div([
  html.Div([html.P({ id: "paragraph_id", children: ["Button not clicked"] })]),
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
    ],
    cancel: Input("cancel_button_id", "n_clicks"),
    preventInitialCall: true,
  },
  async (nClicks: number) => {
    await sleep(2000);
    return [`Clicked ${nClicks} times`];
  },
);

await app.run();
