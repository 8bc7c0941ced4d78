import { Dash, Input, Output } from "background-callbacks";

// Dash(prevent_initial_callbacks=True): no callback runs on page load unless it says so.
const app = new Dash({ preventInitialCallbacks: true });

// Two callbacks write one prop: both outputs need allowDuplicate.
app.callback(
  { output: Output("status", "children", { allowDuplicate: true }), inputs: Input("save", "n_clicks") },
  (n: number) => `saved ${n} times`,
);
app.callback(
  {
    output: Output("status", "children", { allowDuplicate: true }),
    inputs: Input("reset", "n_clicks"),
    // Dash's prevent_initial_call="initial_duplicate": runs on page load all the same.
    preventInitialCall: "initialDuplicate",
  },
  () => "ready",
);

export { app };
