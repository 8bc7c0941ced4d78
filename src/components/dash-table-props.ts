import type { Persistence } from "./dcc-base.js";
import type { CssProperties } from "./html-props.js";

/** One cell of `DataTable.data`. */
export type DataTableCell = string | number | boolean | null;

/**
 * One row of `DataTable.data`: cells by column id; an `id` key is the row id. Declare row types
 * with `type`, not `interface`: TypeScript gives interfaces no index signature.
 */
export type DataTableRow = { readonly [columnId: string]: DataTableCell };

/** Where a header action shows: every header row, the first or last one, or one flag per row. */
export type DataTableHeaderRows = boolean | "first" | "last" | readonly boolean[];

/** The data type of a column. @default "any" */
export type DataTableColumnType = "any" | "numeric" | "text" | "datetime";

/** Case sensitivity of the filter, and the placeholder of the filter cell. */
export type DataTableFilterOptions = {
  case?: "sensitive" | "insensitive";
  placeholder_text?: string;
};

/** Number formatting, as in d3-format's `formatLocale`. */
export type DataTableLocale = {
  /** Prefix and suffix symbols. @default ["$", ""] */
  symbol?: readonly string[];
  /** @default "." */
  decimal?: string;
  /** @default "," */
  group?: string;
  /** @default [3] */
  grouping?: readonly number[];
  /** Ten strings that replace the digits 0-9. */
  numerals?: readonly string[];
  /** @default "%" */
  percent?: string;
  /** @default true */
  separate_4digits?: boolean;
};

/** How a column's cells are shown: a d3-format `specifier`, an SI `prefix`, a value for nulls. */
export type DataTableFormat = {
  locale?: DataTableLocale;
  /** Shown in place of a null cell. */
  nully?: DataTableCell;
  prefix?: number;
  /** @default "" */
  specifier?: string;
};

/** One column: `id` matches the keys of the rows, `name` is its header (a list: several header rows). */
export type DataTableColumn = {
  id: string;
  name: string | readonly string[];
  type?: DataTableColumnType;
  /** @default "input" */
  presentation?: "input" | "dropdown" | "markdown";
  selectable?: DataTableHeaderRows;
  clearable?: DataTableHeaderRows;
  deletable?: DataTableHeaderRows;
  /** Overrides the table's `editable` for this column. */
  editable?: boolean;
  hideable?: DataTableHeaderRows;
  renamable?: DataTableHeaderRows;
  filter_options?: DataTableFilterOptions;
  format?: DataTableFormat;
  /** What happens to user input that does not fit `type`. @default { action: "coerce", failure: "reject" } */
  on_change?: { action?: "coerce" | "none" | "validate"; failure?: "accept" | "default" | "reject" };
  /** Values sorted as if they were null (always last). */
  sort_as_null?: readonly (string | number | boolean)[];
  validation?: { allow_null?: boolean; default?: DataTableCell; allow_YY?: boolean };
};

/** Rows or columns that stay in view while scrolling: none, or the headers and `data` more. */
export type DataTableFixed = { headers?: false; data?: 0 } | { headers: true; data?: number };

/** A cell, as `active_cell` and `selected_cells` give it. */
export type DataTableCellPosition = {
  row?: number;
  column?: number;
  row_id?: string | number;
  column_id?: string;
};

/** One level of sorting. */
export type DataTableSortBy = { column_id: string; direction: "asc" | "desc" };

/** The options of a dropdown cell. */
export type DataTableDropdown = {
  clearable?: boolean;
  options: readonly { label: string; value: number | string | boolean }[];
};

/** A tooltip: a text, or its settings. */
export type DataTableTooltip =
  | string
  | {
      /** Milliseconds before it shows; overrides `tooltip_delay`. */
      delay?: number;
      /** Milliseconds it stays; overrides `tooltip_duration`. */
      duration?: number;
      /** @default "text" */
      type?: "text" | "markdown";
      value: string;
    };

/** Which cells a conditional style or tooltip applies to. */
export type DataTableCondition = {
  column_id?: string | readonly string[];
  column_type?: DataTableColumnType;
  /** A filter expression, such as `{pop} > 1000000`. */
  filter_query?: string;
  state?: "active" | "selected";
  row_index?: number | "odd" | "even" | readonly number[];
  header_index?: number | "odd" | "even" | readonly number[];
  column_editable?: boolean;
};

/** CSS for the cells that match `if`. */
export type DataTableConditionalStyle = {
  readonly if?: DataTableCondition;
  readonly [property: string]: string | number | undefined | DataTableCondition;
};

/** Props of `dashTable.DataTable`, from the propTypes of dash-table 7.4.1. */
export type DataTableProps = Persistence<
  | "columns.name"
  | "data"
  | "filter_query"
  | "hidden_columns"
  | "page_current"
  | "selected_columns"
  | "selected_rows"
  | "sort_by"
> & {
  /** Identifies the table in callbacks (the bundle's propTypes take a string only). */
  id?: string;
  /** The rows. */
  data?: readonly DataTableRow[];
  columns?: readonly DataTableColumn[];
  /** @default false */
  editable?: boolean;
  /** @default { headers: false, data: 0 } */
  fixed_columns?: DataTableFixed;
  /** @default { headers: false, data: 0 } */
  fixed_rows?: DataTableFixed;
  /** @default false */
  column_selectable?: "single" | "multi" | false;
  /** @default true */
  cell_selectable?: boolean;
  /** @default false */
  row_selectable?: "single" | "multi" | false;
  row_deletable?: boolean;
  active_cell?: DataTableCellPosition;
  selected_cells?: readonly DataTableCellPosition[];
  selected_rows?: readonly number[];
  selected_columns?: readonly string[];
  selected_row_ids?: readonly (string | number)[];
  start_cell?: DataTableCellPosition;
  end_cell?: DataTableCellPosition;
  /** Set by the table: `data` before its last change. */
  data_previous?: readonly DataTableRow[];
  hidden_columns?: readonly string[];
  is_focused?: boolean;
  merge_duplicate_headers?: boolean;
  /** Set by the table when the user edits `data` (ms since the epoch). */
  data_timestamp?: number;
  /** @default false */
  include_headers_on_copy_paste?: boolean;
  /** @default "visible" */
  export_columns?: "all" | "visible";
  /** @default "none" */
  export_format?: "csv" | "xlsx" | "none";
  export_headers?: "none" | "ids" | "names" | "display";
  /** `"native"`: the table pages `data`; `"custom"`: a callback sends each page; `"none"`: one page. @default "native" */
  page_action?: "custom" | "native" | "none";
  /** The page shown, from 0. @default 0 */
  page_current?: number;
  /** The number of pages, for `page_action: "custom"`. */
  page_count?: number;
  /** Rows per page. @default 250 */
  page_size?: number;
  /** @default "" */
  filter_query?: string;
  /** @default "none" */
  filter_action?: "custom" | "native" | "none" | { type: "custom" | "native"; operator?: "and" | "or" };
  /** @default {} */
  filter_options?: DataTableFilterOptions;
  /** `"native"`: the header's arrows sort `data`; `"custom"`: they set `sort_by` for a callback. @default "none" */
  sort_action?: "custom" | "native" | "none";
  /** @default "single" */
  sort_mode?: "single" | "multi";
  /** @default [] */
  sort_by?: readonly DataTableSortBy[];
  /** @default [] */
  sort_as_null?: readonly (string | number | boolean)[];
  /** Dropdown options by column id. @default {} */
  dropdown?: Readonly<Record<string, DataTableDropdown>>;
  /** @default [] */
  dropdown_conditional?: readonly (DataTableDropdown & { if?: { column_id?: string; filter_query?: string } })[];
  /** Per row, dropdown options by column id. @default [] */
  dropdown_data?: readonly Readonly<Record<string, DataTableDropdown>>[];
  /** Tooltips by column id, for every row. @default {} */
  tooltip?: Readonly<
    Record<string, string | (Exclude<DataTableTooltip, string> & { use_with?: "both" | "data" | "header" })>
  >;
  /** @default [] */
  tooltip_conditional?: readonly (Exclude<DataTableTooltip, string> & {
    if: { column_id?: string; filter_query?: string; row_index?: number | "odd" | "even" };
  })[];
  /** Per row, tooltips by column id. @default [] */
  tooltip_data?: readonly Readonly<Record<string, DataTableTooltip>>[];
  /** Header tooltips by column id; a list gives one per header row. @default {} */
  tooltip_header?: Readonly<Record<string, DataTableTooltip | readonly (DataTableTooltip | null)[]>>;
  /** @default 350 */
  tooltip_delay?: number;
  /** @default 2000 */
  tooltip_duration?: number;
  locale_format?: DataTableLocale;
  /** @default false */
  style_as_list_view?: boolean;
  /** @default true */
  fill_width?: boolean;
  /** @default { link_target: "_blank", html: false } */
  markdown_options?: { link_target?: string; html?: boolean };
  /** CSS rules embedded in the page. @default [] */
  css?: readonly { selector: string; rule: string }[];
  /** @default {} */
  style_table?: CssProperties;
  style_cell?: CssProperties;
  style_data?: CssProperties;
  style_filter?: CssProperties;
  style_header?: CssProperties;
  /** @default [] */
  style_cell_conditional?: readonly DataTableConditionalStyle[];
  /** @default [] */
  style_data_conditional?: readonly DataTableConditionalStyle[];
  /** @default [] */
  style_filter_conditional?: readonly DataTableConditionalStyle[];
  /** @default [] */
  style_header_conditional?: readonly DataTableConditionalStyle[];
  /** @default false */
  virtualization?: boolean;
  derived_filter_query_structure?: Readonly<Record<string, unknown>> | null;
  derived_viewport_data?: readonly DataTableRow[];
  derived_viewport_indices?: readonly number[];
  derived_viewport_row_ids?: readonly (string | number)[];
  derived_viewport_selected_columns?: readonly string[];
  derived_viewport_selected_rows?: readonly number[];
  derived_viewport_selected_row_ids?: readonly (string | number)[];
  derived_virtual_data?: readonly DataTableRow[];
  derived_virtual_indices?: readonly number[];
  derived_virtual_row_ids?: readonly (string | number)[];
  derived_virtual_selected_rows?: readonly number[];
  derived_virtual_selected_row_ids?: readonly (string | number)[];
};
