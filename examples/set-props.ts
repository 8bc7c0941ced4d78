/**
 * The Dash docs' set_props example: a background callback with no output, started when the page
 * loads, adds 100 rows of the gapminder data to a paginated DataTable every two seconds, sending
 * only the new rows each time (a `Patch` that extends the table's data). The
 * buttons are disabled and enabled with `running`; the second one cancels the job. The data is the
 * Gapminder Foundation's (CC BY 4.0), from the vega-datasets npm package that `npm run vendor`
 * puts in vendor/data/ (no network at run time).
 */
import { readFileSync } from "node:fs";
import { callback, Dash, dashTable, html, Input, Output, Patch, setProps } from "background-callbacks";
import { exampleManager, sleep } from "./manager.js";

type Row = { country: string; year: number; cluster: number; pop: number; life_expect: number; fertility: number };

const dataFile = new URL("../vendor/data/vega-datasets/data/gapminder.json", import.meta.url);
const gapminder = JSON.parse(readFileSync(dataFile, "utf8")) as Row[];
const columns = Object.keys(gapminder[0] ?? {}).map((id) => ({ id, name: id }));

const app = new Dash({
  backgroundCallbackManager: exampleManager("set-props"),
  title: "setProps from a background job",
});

app.layout = html.Div([
  html.Button({ id: "button_id", children: "Run Job!" }),
  html.Button({ id: "cancel_button_id", children: "Cancel Running Job!" }),
  dashTable.DataTable({ id: "ag-grid-updating", columns, data: [], page_action: "native", page_size: 10 }),
  html.Small("Data: Gapminder Foundation, gapminder.org (CC BY 4.0), via the vega-datasets package."),
]);

callback(
  {
    inputs: Input("button_id", "n_clicks"),
    background: true,
    running: [
      [Output("button_id", "disabled"), true, false],
      [Output("cancel_button_id", "disabled"), false, true],
    ],
    cancel: [Input("cancel_button_id", "n_clicks")],
  },
  async () => {
    for (let shown = 0; shown < gapminder.length; shown += 100) {
      await sleep(2000);
      const rows = gapminder.slice(shown, shown + 100);
      // Each step sends its 100 rows only: the first replaces what an earlier run left, the
      // others are appended in the browser.
      setProps("ag-grid-updating", { data: shown === 0 ? rows : new Patch().extend(rows) });
    }
  },
);

await app.run();
