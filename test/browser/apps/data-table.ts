/** A DataTable that pages and sorts in the browser; a normal callback echoes its paging and sorting state. */
import { callback, Dash, dashTable, html, Input, Output } from "../../../src/index.js";

/** 23 rows: five pages of five, the last one short. `n` ascending is also the order of `name`. */
const rows = Array.from({ length: 23 }, (_, index) => ({
  n: index + 1,
  name: `row ${String(index + 1).padStart(2, "0")}`,
  parity: index % 2 === 0 ? "odd" : "even",
}));

const app = new Dash({ title: "DataTable" });

app.layout = html.Div([
  dashTable.DataTable({
    id: "table",
    columns: [
      { id: "n", name: "N", type: "numeric" },
      { id: "name", name: "Name" },
      { id: "parity", name: "Parity" },
    ],
    data: rows,
    page_action: "native",
    page_size: 5,
    sort_action: "native",
  }),
  html.P({ id: "state" }),
]);

callback(
  {
    output: Output("state", "children"),
    inputs: [Input("table", "page_current"), Input("table", "sort_by")],
  },
  (page: number | null, sortBy: { column_id: string; direction: string }[] | null) =>
    `page ${page ?? 0}; sort ${(sortBy ?? []).map((s) => `${s.column_id} ${s.direction}`).join(", ") || "none"}`,
);

await app.run();
