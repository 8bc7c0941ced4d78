import { callback, dcc, html, Input, Output, Patch, setProps } from "background-callbacks";

export const layout = html.Div([
  html.Button({ id: "add", children: "Add a point" }),
  dcc.Graph({ id: "graph", figure: { data: [{ y: [] }], layout: { title: "0 points" } } }),
  html.Ul({ id: "log", children: [] }),
]);

callback(
  {
    output: Output("graph", "figure"),
    inputs: Input("add", "n_clicks"),
    background: true,
    progress: Output("log", "children"),
    preventInitialCall: true,
  },
  async (setProgress: (value: Patch) => void, clicks: number) => {
    // Only the new line travels; the browser appends it to the list it has.
    setProgress(new Patch().append(html.Li(`run ${clicks} started`)));
    setProps("add", { style: new Patch().merge({ opacity: 0.5 }) });
    const figure = new Patch();
    figure.at("data", 0, "y").append(Math.random());
    figure.at("layout").set("title", `${clicks} points`);
    return figure;
  },
);
