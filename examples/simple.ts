/** A button starts a two-second job; its result replaces the paragraph. */
import { callback, Dash, html, Input, Output } from "background-callbacks";
import { exampleManager, sleep } from "./manager.js";

const app = new Dash({ backgroundCallbackManager: exampleManager("simple"), title: "Simple background callback" });

app.layout = html.Div([
  html.Div([html.P({ id: "paragraph_id", children: ["Button not clicked"] })]),
  html.Button({ id: "button_id", children: "Run Job!" }),
]);

callback(
  {
    output: Output("paragraph_id", "children"),
    inputs: Input("button_id", "n_clicks"),
    background: true,
    preventInitialCall: true,
  },
  async (nClicks: number) => {
    await sleep(2000);
    return [`Clicked ${nClicks} times`];
  },
);

await app.run();
