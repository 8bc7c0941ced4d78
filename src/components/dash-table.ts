import { invalidArgument } from "../errors.js";
import { type Component, makeFactory, type PropsArgument, type PropsOnlyFactory } from "./component.js";
import type { DataTableProps } from "./dash-table-props.js";
import { describe, isPlainObject, type Where } from "./validate.js";

const namespace = "dash_table";
const where: Where = { part: namespace, label: `${namespace}.DataTable` };

/** The type of {@link dashTable}: the factory of dash-table's one component. */
export type DashTableComponents = {
  readonly DataTable: PropsOnlyFactory<DataTableProps>;
};

const isCell = (value: unknown): boolean =>
  value === null ||
  typeof value === "string" ||
  typeof value === "boolean" ||
  (typeof value === "number" && Number.isFinite(value));

/** The table renders nothing useful from rows that are not flat objects of cells, so refuse them early. */
function checkRows(name: string, rows: unknown): void {
  if (rows === undefined) return;
  if (!Array.isArray(rows)) {
    throw invalidArgument(
      where.part,
      `Expected \`${name}\` of ${where.label} to be an array of rows, got ${describe(rows)}`,
    );
  }
  rows.forEach((row: unknown, index) => {
    if (!isPlainObject(row)) {
      throw invalidArgument(
        where.part,
        `Expected \`${name}[${index}]\` of ${where.label} to be a row (an object of cells by column id), got ${describe(row)}`,
      );
    }
    for (const [key, cell] of Object.entries(row)) {
      if (cell === undefined || isCell(cell)) continue;
      throw invalidArgument(
        where.part,
        `Expected \`${name}[${index}].${key}\` of ${where.label} to be a string, finite number, boolean or null, got ${describe(cell)}`,
      );
    }
  });
}

const isName = (name: unknown): boolean =>
  typeof name === "string" || (Array.isArray(name) && name.every((part) => typeof part === "string"));

/** Every column needs an `id` (matching the rows' keys) and a `name` (its header), as the bundle requires. */
function checkColumns(columns: unknown): void {
  if (columns === undefined) return;
  if (!Array.isArray(columns)) {
    throw invalidArgument(
      where.part,
      `Expected \`columns\` of ${where.label} to be an array of columns, got ${describe(columns)}`,
    );
  }
  columns.forEach((column: unknown, index) => {
    const ok = isPlainObject(column) && typeof column.id === "string" && column.id !== "" && isName(column.name);
    if (!ok) {
      throw invalidArgument(
        where.part,
        `Expected \`columns[${index}]\` of ${where.label} to be an object with an \`id\` (non-empty string) and a \`name\` (string or array of strings), got ${describe(column)}`,
      );
    }
  });
}

function checkCount(name: string, value: unknown, min: number): void {
  if (value === undefined || (Number.isInteger(value) && (value as number) >= min)) return;
  throw invalidArgument(
    where.part,
    `Expected \`${name}\` of ${where.label} to be an integer from ${min} and up, got ${describe(value)}`,
  );
}

function checkTable(props: unknown): void {
  // Anything but an object is reported by the generic factory.
  if (!isPlainObject(props)) return;
  if (props.id !== undefined && (typeof props.id !== "string" || props.id === "")) {
    throw invalidArgument(
      where.part,
      `Expected \`id\` of ${where.label} to be a non-empty string (the bundle takes no object ids), got ${describe(props.id)}`,
    );
  }
  checkRows("data", props.data);
  checkColumns(props.columns);
  checkCount("page_size", props.page_size, 1);
  checkCount("page_current", props.page_current, 0);
  checkCount("page_count", props.page_count, 0);
}

function dataTableFactory(): PropsOnlyFactory<DataTableProps> {
  const base = makeFactory<DataTableProps>(namespace, "DataTable", { children: false });
  const factory = (...args: PropsArgument<DataTableProps>): Component<DataTableProps> => {
    checkTable(args[0]);
    return base(...args);
  };
  Object.defineProperties(factory, {
    name: { value: "DataTable" },
    namespace: { value: namespace, enumerable: true },
    type: { value: "DataTable", enumerable: true },
  });
  return Object.freeze(factory) as unknown as PropsOnlyFactory<DataTableProps>;
}

/**
 * The component of dash-table (namespace `dash_table`, Python's `dash_table`): `DataTable`, an
 * interactive table with native or callback-driven paging, sorting and filtering, editing,
 * selection, tooltips and conditional styles. It takes only its props.
 *
 * @throws `INVALID_ARGUMENT` (a `TypeError`) from the factory for an `id` that is not a non-empty
 * string, rows that are not objects of strings, finite numbers, booleans and nulls, a column
 * without a string `id` or `name`, a `page_size` below 1, a negative `page_current` or
 * `page_count`, and everything the other factories reject.
 * @example
 * ```ts
 * dashTable.DataTable({
 *   id: "table",
 *   columns: [{ id: "country", name: "Country" }, { id: "pop", name: "Population", type: "numeric" }],
 *   data: [{ country: "Chile", pop: 19_116_209 }],
 *   page_action: "native",
 *   page_size: 10,
 *   sort_action: "native",
 * });
 * ```
 */
export const dashTable: DashTableComponents = Object.freeze({ DataTable: dataTableFactory() });
