import { readFileSync } from "node:fs";
import { describe, expect, expectTypeOf, it } from "vitest";
import { type Component, type DataTableProps, type DataTableRow, dashTable, html } from "../../src/components/index.js";
import * as main from "../../src/index.js";

const bundle = readFileSync(new URL("../../vendor/dash-table/dash_table/bundle.js", import.meta.url), "utf8");

/** The top-level keys of the `DataTable.propTypes` object literal in the minified bundle. */
function bundlePropNames(): string[] {
  const start = bundle.indexOf("{data:l().arrayOf(");
  expect(start).toBeGreaterThan(0);
  const names: string[] = [];
  let depth = 0;
  let from = start + 1;
  for (let at = from; at < bundle.length; at++) {
    const char = bundle[at] as string;
    if ("([{".includes(char)) depth++;
    else if (")]}".includes(char)) {
      if (depth === 0) {
        names.push(bundle.slice(from, at).split(":")[0] as string);
        return names;
      }
      depth--;
    } else if (char === "," && depth === 0) {
      names.push(bundle.slice(from, at).split(":")[0] as string);
      from = at + 1;
    }
  }
  return names;
}

/** The props a layout sets: the bundle's propTypes less `setProps` and `loading_state`, which the renderer passes. */
const propNames = [
  "data",
  "columns",
  "editable",
  "fixed_columns",
  "fixed_rows",
  "column_selectable",
  "cell_selectable",
  "row_selectable",
  "row_deletable",
  "active_cell",
  "selected_cells",
  "selected_rows",
  "selected_columns",
  "selected_row_ids",
  "start_cell",
  "end_cell",
  "data_previous",
  "hidden_columns",
  "is_focused",
  "merge_duplicate_headers",
  "data_timestamp",
  "include_headers_on_copy_paste",
  "export_columns",
  "export_format",
  "export_headers",
  "page_action",
  "page_current",
  "page_count",
  "page_size",
  "filter_query",
  "filter_action",
  "filter_options",
  "sort_action",
  "sort_mode",
  "sort_by",
  "sort_as_null",
  "dropdown",
  "dropdown_conditional",
  "dropdown_data",
  "tooltip",
  "tooltip_conditional",
  "tooltip_data",
  "tooltip_header",
  "tooltip_delay",
  "tooltip_duration",
  "locale_format",
  "style_as_list_view",
  "fill_width",
  "markdown_options",
  "css",
  "style_table",
  "style_cell",
  "style_data",
  "style_filter",
  "style_header",
  "style_cell_conditional",
  "style_data_conditional",
  "style_filter_conditional",
  "style_header_conditional",
  "virtualization",
  "derived_filter_query_structure",
  "derived_viewport_data",
  "derived_viewport_indices",
  "derived_viewport_row_ids",
  "derived_viewport_selected_columns",
  "derived_viewport_selected_rows",
  "derived_viewport_selected_row_ids",
  "derived_virtual_data",
  "derived_virtual_indices",
  "derived_virtual_row_ids",
  "derived_virtual_selected_rows",
  "derived_virtual_selected_row_ids",
  "id",
  "persistence",
  "persisted_props",
  "persistence_type",
] as const;

const loose = dashTable.DataTable as unknown as (...args: unknown[]) => Component;
const rejects = (args: unknown[], message: RegExp) =>
  expect(() => loose(...args)).toThrow(
    expect.objectContaining({ code: "INVALID_ARGUMENT", message: expect.stringMatching(message) }),
  );

describe("dashTable.DataTable", () => {
  it("is exported from the package entry and makes a dash_table node", () => {
    expect(main.dashTable).toBe(dashTable);
    expect(Object.isFrozen(dashTable)).toBe(true);
    expect(Object.keys(dashTable)).toEqual(["DataTable"]);
    expect(dashTable.DataTable.namespace).toBe("dash_table");
    expect(dashTable.DataTable.type).toBe("DataTable");
    const table = dashTable.DataTable({
      id: "t",
      columns: [{ id: "a", name: "A" }],
      data: [{ a: 1 }, { a: null }],
      page_size: 10,
      sort_action: "native",
    });
    expect(JSON.parse(JSON.stringify(table))).toEqual({
      type: "DataTable",
      namespace: "dash_table",
      props: {
        id: "t",
        columns: [{ id: "a", name: "A" }],
        data: [{ a: 1 }, { a: null }],
        page_size: 10,
        sort_action: "native",
      },
    });
    expect(JSON.parse(JSON.stringify(dashTable.DataTable()))).toEqual({
      type: "DataTable",
      namespace: "dash_table",
      props: {},
    });
  });

  it("types exactly the props of the bundle's propTypes", () => {
    const names = bundlePropNames();
    expect(names).toHaveLength(78);
    expect(names.filter((name) => name !== "setProps" && name !== "loading_state").sort()).toEqual(
      [...propNames].sort(),
    );
    expectTypeOf<keyof DataTableProps>().toEqualTypeOf<(typeof propNames)[number]>();
  });

  it("takes no children", () => {
    rejects(["x"], /dash_table\.DataTable \(it takes no children\)/);
    rejects([html.Div(), {}], /dash_table\.DataTable/);
  });

  it("rejects ids the bundle does not take", () => {
    rejects(
      [{ id: { type: "t", index: 1 } }],
      /`id` of dash_table\.DataTable to be a non-empty string .*got `\{"type":"t","index":1\}`/,
    );
    rejects([{ id: "" }], /`id` of dash_table\.DataTable/);
  });

  it("names the bad row and cell", () => {
    rejects([{ data: { a: 1 } }], /`data` of dash_table\.DataTable to be an array of rows, got `\{"a":1\}`/);
    rejects([{ data: [{ a: 1 }, [1]] }], /`data\[1\]` of dash_table\.DataTable to be a row/);
    rejects(
      [{ data: [{ a: 1 }, { b: { c: 1 } }] }],
      /`data\[1\]\.b` .*string, finite number, boolean or null, got `\{"c":1\}`/,
    );
    rejects([{ data: [{ a: Number.NaN }] }], /`data\[0\]\.a` .*got `NaN` \(number\)/);
  });

  it("needs an id and a name in every column", () => {
    rejects([{ columns: "a" }], /`columns` of dash_table\.DataTable to be an array of columns/);
    rejects(
      [{ columns: [{ id: "a", name: "A" }, { id: "b" }] }],
      /`columns\[1\]` .*`id` \(non-empty string\) and a `name`/,
    );
    rejects([{ columns: [{ id: 1, name: "A" }] }], /`columns\[0\]`/);
    rejects([{ columns: [{ id: "a", name: ["A", 2] }] }], /`columns\[0\]`/);
    expect(loose({ columns: [{ id: "a", name: ["Group", "A"] }] }).props.columns).toEqual([
      { id: "a", name: ["Group", "A"] },
    ]);
  });

  it("checks the paging numbers", () => {
    rejects(
      [{ page_size: 0 }],
      /`page_size` of dash_table\.DataTable to be an integer from 1 and up, got `0` \(number\)/,
    );
    rejects([{ page_size: 2.5 }], /`page_size`/);
    rejects([{ page_current: -1 }], /`page_current` .*from 0 and up/);
    rejects([{ page_count: "3" }], /`page_count`/);
    expect(loose({ page_current: 0, page_size: 1, page_count: 0 }).props).toEqual({
      page_current: 0,
      page_size: 1,
      page_count: 0,
    });
  });

  it("rejects what no component takes: values that are not JSON, a second argument", () => {
    rejects([{ style_cell: { width: () => 1 } }], /`style_cell\.width` of dash_table\.DataTable to be JSON/);
    rejects([{}, {}], /no second argument/);
  });

  it("catches mistakes in the types", () => {
    expectTypeOf(dashTable.DataTable).parameter(0).toEqualTypeOf<DataTableProps | undefined>();
    const row: DataTableRow = { country: "Chile", pop: 1, member: true, note: null };
    expectTypeOf(row).toMatchTypeOf<DataTableRow>();
    expectTypeOf(mistakes).toBeFunction();
  });
});

/** Never called: `npx tsc --noEmit` fails when a `@ts-expect-error` line compiles. */
function mistakes(): void {
  // @ts-expect-error no children
  dashTable.DataTable("x");
  // @ts-expect-error an unknown prop
  dashTable.DataTable({ rowData: [] });
  // @ts-expect-error cells are flat
  dashTable.DataTable({ data: [{ a: { b: 1 } }] });
  // @ts-expect-error a column needs a name
  dashTable.DataTable({ columns: [{ id: "a" }] });
  // @ts-expect-error page_action is a fixed list
  dashTable.DataTable({ page_action: "server" });
  // @ts-expect-error sort directions are asc and desc
  dashTable.DataTable({ sort_by: [{ column_id: "a", direction: "up" }] });
  // @ts-expect-error the bundle takes string ids only
  dashTable.DataTable({ id: { type: "t" } });
  // A conditional style: a condition plus CSS.
  dashTable.DataTable({ style_data_conditional: [{ if: { row_index: "odd" }, backgroundColor: "#eee" }] });
}
