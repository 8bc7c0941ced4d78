/** While the job runs, the button that started it is disabled. */
import { callback, Dash, html, Input, Output } from "background-callbacks";
import { exampleManager, sleep } from "./manager.js";

const app = new Dash({
  backgroundCallbackManager: exampleManager("disable-button"),
  title: "Disable the button while running",
});

app.layout = html.Div([
  html.Div([html.P({ id: "paragraph_id", children: ["Button not clicked"] })]),
  html.Button({ id: "button_id", children: "Run Job!" }),
]);

callback(
  {
    output: Output("paragraph_id", "children"),
    inputs: Input("button_id", "n_clicks"),
    background: true,
    running: [[Output("button_id", "disabled"), true, false]],
    preventInitialCall: true,
  },
  async (nClicks: number) => {
    await sleep(2000);
    return [`Clicked ${nClicks} times`];
  },
);

await app.run();
