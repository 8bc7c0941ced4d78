import { callback, Dash, html, Input, Output } from "background-callbacks";
import { DiskManager } from "background-callbacks/managers/disk";

const app = new Dash({ backgroundCallbackManager: new DiskManager({ path: "./cache.sqlite" }) });

app.layout = html.Div([
  html.P({ id: "paragraph_id", children: "Button not clicked" }),
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
    await new Promise((resolve) => setTimeout(resolve, 2000)); // runs on a worker process
    return `Clicked ${nClicks} times`;
  },
);

await app.run({ port: 8050 });
