/**
 * While the job runs, `setProps` adds a row to the table every two seconds; the result arrives
 * when every row is in. The data set ships with the example (no network at run time).
 */
import { readFileSync } from "node:fs";
import { callback, Dash, html, Input, Output, setProps } from "background-callbacks";
import { exampleManager, sleep } from "./manager.js";

interface Planet {
  planet: string;
  distanceMillionKm: number;
  diameterKm: number;
  moons: number;
}

const planets = JSON.parse(readFileSync(new URL("./data/planets.json", import.meta.url), "utf8")) as Planet[];
const columns = ["Planet", "Distance from the Sun (million km)", "Diameter (km)", "Moons"];

const header = html.Thead(html.Tr(columns.map((name) => html.Th(name))));
const row = (p: Planet) =>
  html.Tr([
    html.Td(p.planet),
    html.Td(String(p.distanceMillionKm)),
    html.Td(String(p.diameterKm)),
    html.Td(String(p.moons)),
  ]);

const app = new Dash({
  backgroundCallbackManager: exampleManager("set-props"),
  title: "setProps from a background job",
});

app.layout = html.Div([
  html.P({ id: "paragraph_id", children: ["Button not clicked"] }),
  html.Button({ id: "button_id", children: "Run Job!" }),
  html.Button({ id: "cancel_button_id", children: "Cancel Running Job!", disabled: true }),
  html.Table({ id: "table_id", children: [header, html.Tbody({ id: "table_body", children: [] })] }),
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
    setProps("table_body", { children: [] });
    for (let i = 0; i < planets.length; i++) {
      await sleep(2000);
      setProps("table_body", { children: planets.slice(0, i + 1).map(row) as never });
      setProps("paragraph_id", { children: `Loaded ${i + 1} of ${planets.length} rows` });
    }
    return `Clicked ${nClicks} times: ${planets.length} rows loaded`;
  },
);

await app.run();
