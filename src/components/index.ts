/**
 * Components of a Dash layout: the `html`, `dcc` and `dashTable` factories, the {@link Component} they make,
 * and the `children_props` the renderer needs to find components inside props.
 *
 * @packageDocumentation
 */
export { childrenProps } from "./children-props.js";
export {
  type Child,
  type Children,
  Component,
  type ComponentFactory,
  type ComponentId,
  type ComponentJson,
  type ComponentProps,
  type FactoryOptions,
  isComponent,
  makeFactory,
  type PropsArgument,
  type PropsOnlyFactory,
} from "./component.js";
export { type DashTableComponents, dashTable } from "./dash-table.js";
export type {
  DataTableCell,
  DataTableCellPosition,
  DataTableColumn,
  DataTableColumnType,
  DataTableCondition,
  DataTableConditionalStyle,
  DataTableDropdown,
  DataTableFilterOptions,
  DataTableFixed,
  DataTableFormat,
  DataTableHeaderRows,
  DataTableLocale,
  DataTableProps,
  DataTableRow,
  DataTableSortBy,
  DataTableTooltip,
} from "./dash-table-props.js";
export { type DccComponents, dcc } from "./dcc.js";
export type {
  DccBaseProps,
  DetailedOption,
  InputFlags,
  Options,
  OptionValue,
  Persistence,
  SliderMarks,
  SliderTooltip,
  StoreData,
} from "./dcc-base.js";
export type {
  ClipboardProps,
  ConfirmDialogProps,
  ConfirmDialogProviderProps,
  DownloadProps,
  GeolocationProps,
  IntervalProps,
  LinkProps,
  LoadingProps,
  LocationProps,
  MarkdownProps,
  StoreProps,
  TabProps,
  TabsProps,
  TooltipProps,
  UploadProps,
} from "./dcc-display.js";
export type {
  ChecklistProps,
  ChoiceProps,
  DatePickerBaseProps,
  DatePickerRangeProps,
  DatePickerSingleProps,
  DccButtonProps,
  DropdownProps,
  InputProps,
  RadioItemsProps,
  RangeSliderProps,
  SliderBaseProps,
  SliderProps,
  TextareaProps,
} from "./dcc-inputs.js";
export type { Figure, GraphConfig, GraphProps } from "./graph.js";
export { type HtmlComponents, type HtmlName, type HtmlProps, html, htmlNames } from "./html.js";
export type { CssProperties, Flag, HtmlCommonProps, HtmlExtraProps } from "./html-props.js";
