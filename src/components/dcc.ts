import { type ComponentFactory, makeFactory, type PropsOnlyFactory } from "./component.js";
import type {
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
import type {
  ChecklistProps,
  DatePickerRangeProps,
  DatePickerSingleProps,
  DccButtonProps,
  DropdownProps,
  InputProps,
  RadioItemsProps,
  RangeSliderProps,
  SliderProps,
  TextareaProps,
} from "./dcc-inputs.js";
import type { GraphProps } from "./graph.js";

const namespace = "dash_core_components";
const propsOnly = { children: false } as const;

/** The type of {@link dcc}: one factory per component of dash-core-components. */
export type DccComponents = {
  readonly Button: ComponentFactory<DccButtonProps>;
  readonly Checklist: PropsOnlyFactory<ChecklistProps>;
  readonly Clipboard: ComponentFactory<ClipboardProps>;
  readonly ConfirmDialog: PropsOnlyFactory<ConfirmDialogProps>;
  readonly ConfirmDialogProvider: ComponentFactory<ConfirmDialogProviderProps>;
  readonly DatePickerRange: PropsOnlyFactory<DatePickerRangeProps>;
  readonly DatePickerSingle: PropsOnlyFactory<DatePickerSingleProps>;
  readonly Download: PropsOnlyFactory<DownloadProps>;
  readonly Dropdown: PropsOnlyFactory<DropdownProps>;
  readonly Geolocation: PropsOnlyFactory<GeolocationProps>;
  readonly Graph: PropsOnlyFactory<GraphProps>;
  readonly Input: PropsOnlyFactory<InputProps>;
  readonly Interval: PropsOnlyFactory<IntervalProps>;
  readonly Link: ComponentFactory<LinkProps>;
  readonly Loading: ComponentFactory<LoadingProps>;
  readonly Location: PropsOnlyFactory<LocationProps>;
  readonly Markdown: ComponentFactory<MarkdownProps>;
  readonly RadioItems: PropsOnlyFactory<RadioItemsProps>;
  readonly RangeSlider: PropsOnlyFactory<RangeSliderProps>;
  readonly Slider: PropsOnlyFactory<SliderProps>;
  readonly Store: PropsOnlyFactory<StoreProps>;
  readonly Tab: ComponentFactory<TabProps>;
  readonly Tabs: ComponentFactory<TabsProps>;
  readonly Textarea: PropsOnlyFactory<TextareaProps>;
  readonly Tooltip: ComponentFactory<TooltipProps>;
  readonly Upload: ComponentFactory<UploadProps>;
};

/**
 * The components of dash-core-components (namespace `dash_core_components`): graphs, inputs,
 * timers, stores, tabs, and more. Components with children take their props, or their children
 * and then the other props; the others take only their props.
 *
 * @throws `INVALID_ARGUMENT` (a `TypeError`) from a factory for a bad `id`, bad children, a
 * missing required prop (`id` of `Store` and `Location`, `href` of `Link`), or a prop value that
 * is not JSON.
 * @example
 * ```ts
 * app.layout = html.Div([
 *   dcc.Interval({ id: "tick", interval: 1000 }),
 *   dcc.Dropdown({ id: "dd", options: ["a", "b"], value: "a" }),
 *   dcc.Loading(dcc.Graph({ id: "g", figure: { data: [{ type: "bar", x: [1, 2], y: [3, 4] }] } })),
 *   dcc.Store({ id: "st", data: { a: 1 } }),
 * ]);
 * ```
 */
export const dcc: DccComponents = Object.freeze({
  Button: makeFactory<DccButtonProps>(namespace, "Button"),
  Checklist: makeFactory<ChecklistProps>(namespace, "Checklist", propsOnly),
  Clipboard: makeFactory<ClipboardProps>(namespace, "Clipboard"),
  ConfirmDialog: makeFactory<ConfirmDialogProps>(namespace, "ConfirmDialog", propsOnly),
  ConfirmDialogProvider: makeFactory<ConfirmDialogProviderProps>(namespace, "ConfirmDialogProvider"),
  DatePickerRange: makeFactory<DatePickerRangeProps>(namespace, "DatePickerRange", propsOnly),
  DatePickerSingle: makeFactory<DatePickerSingleProps>(namespace, "DatePickerSingle", propsOnly),
  Download: makeFactory<DownloadProps>(namespace, "Download", propsOnly),
  Dropdown: makeFactory<DropdownProps>(namespace, "Dropdown", propsOnly),
  Geolocation: makeFactory<GeolocationProps>(namespace, "Geolocation", propsOnly),
  Graph: makeFactory<GraphProps>(namespace, "Graph", propsOnly),
  Input: makeFactory<InputProps>(namespace, "Input", propsOnly),
  Interval: makeFactory<IntervalProps>(namespace, "Interval", propsOnly),
  Link: makeFactory<LinkProps>(namespace, "Link", { required: ["href"] }),
  Loading: makeFactory<LoadingProps>(namespace, "Loading"),
  Location: makeFactory<LocationProps>(namespace, "Location", { children: false, required: ["id"] }),
  Markdown: makeFactory<MarkdownProps>(namespace, "Markdown"),
  RadioItems: makeFactory<RadioItemsProps>(namespace, "RadioItems", propsOnly),
  RangeSlider: makeFactory<RangeSliderProps>(namespace, "RangeSlider", propsOnly),
  Slider: makeFactory<SliderProps>(namespace, "Slider", propsOnly),
  Store: makeFactory<StoreProps>(namespace, "Store", { children: false, required: ["id"] }),
  Tab: makeFactory<TabProps>(namespace, "Tab"),
  Tabs: makeFactory<TabsProps>(namespace, "Tabs"),
  Textarea: makeFactory<TextareaProps>(namespace, "Textarea", propsOnly),
  Tooltip: makeFactory<TooltipProps>(namespace, "Tooltip"),
  Upload: makeFactory<UploadProps>(namespace, "Upload"),
});
