import type { Children, Component, ComponentId } from "./component.js";
import type { DccBaseProps, Persistence, StoreData } from "./dcc-base.js";
import type { CssProperties } from "./html-props.js";

/** Props of `dcc.Interval`: counts `n_intervals` up every `interval` ms. */
export type IntervalProps = {
  id?: ComponentId;
  /** Milliseconds between ticks. @default 1000 */
  interval?: number;
  disabled?: boolean;
  n_intervals?: number;
  /** Stop after this many ticks; -1 never stops. @default -1 */
  max_intervals?: number;
};

/** Props of `dcc.Store`: keeps JSON data in the browser. */
export type StoreProps = {
  /** Required: the data is stored under it. */
  id: ComponentId;
  /** `"memory"` loses the data on reload. @default "memory" */
  storage_type?: "local" | "session" | "memory";
  data?: StoreData;
  clear_data?: boolean;
  modified_timestamp?: number;
};

/** Props of `dcc.Loading`: shows a spinner while its children are being updated. */
export type LoadingProps = DccBaseProps & {
  children?: Children;
  type?: "graph" | "cube" | "circle" | "dot" | "default";
  fullscreen?: boolean;
  debug?: boolean;
  parent_className?: string;
  parent_style?: CssProperties;
  overlay_style?: CssProperties;
  color?: string;
  display?: "auto" | "show" | "hide";
  delay_hide?: number;
  delay_show?: number;
  show_initially?: boolean;
  /** Only these components and props trigger the spinner: `{ "graph-id": "figure" }`. */
  target_components?: Readonly<Record<string, string | readonly string[]>>;
  /** A component shown instead of the built-in spinner. */
  custom_spinner?: Children;
};

/** Props of `dcc.Markdown`. */
export type MarkdownProps = DccBaseProps & {
  /** The Markdown text; an array is joined with newlines. */
  children?: string | readonly string[];
  highlight_config?: { theme?: "dark" | "light" };
  mathjax?: boolean;
  dangerously_allow_html?: boolean;
  link_target?: string;
  /** Remove the common indentation of the text. @default true */
  dedent?: boolean;
};

/** Props of `dcc.Tabs`; its children are `dcc.Tab` components. */
export type TabsProps = DccBaseProps &
  Persistence & {
    children?: Component | readonly Component[];
    /** The `value` of the selected tab. */
    value?: string;
    content_className?: string;
    parent_className?: string;
    parent_style?: CssProperties;
    content_style?: CssProperties;
    vertical?: boolean;
    mobile_breakpoint?: number;
    colors?: { border: string; primary: string; background: string };
  };

/** Props of `dcc.Tab`; `label` may be a component. */
export type TabProps = DccBaseProps & {
  label?: string | Component;
  children?: Children;
  value?: string;
  disabled?: boolean;
  disabled_style?: CssProperties;
  disabled_className?: string;
  selected_className?: string;
  selected_style?: CssProperties;
  width?: string | number;
};

/** Props of `dcc.Location`: reads and sets the browser's URL. */
export type LocationProps = {
  /** Required. */
  id: ComponentId;
  pathname?: string;
  search?: string;
  hash?: string;
  href?: string;
  /** `true` reloads the page on change, `"callback-nav"` only fires the callbacks. @default true */
  refresh?: boolean | "callback-nav";
};

/** Props of `dcc.Link`: a link that changes the URL without reloading the page. */
export type LinkProps = DccBaseProps & {
  children?: Children;
  /** Required. */
  href: string;
  target?: string;
  refresh?: boolean;
  title?: string;
};

/** Props of `dcc.Tooltip`. */
export type TooltipProps = DccBaseProps & {
  children?: Children;
  /** Where to show it, usually `hoverData.points[0].bbox` of a graph. */
  bbox?: { x0: number; y0: number; x1: number; y1: number };
  show?: boolean;
  direction?: "top" | "right" | "bottom" | "left";
  border_color?: string;
  background_color?: string;
  loading_text?: string;
  zindex?: number;
  targetable?: boolean;
};

/** Props of `dcc.Upload`: a drop zone; the files arrive as base64 `contents`. */
export type UploadProps = DccBaseProps & {
  children?: Children;
  contents?: string | readonly string[];
  filename?: string | readonly string[];
  last_modified?: number | readonly number[];
  accept?: string;
  disabled?: boolean;
  disable_click?: boolean;
  max_size?: number;
  min_size?: number;
  multiple?: boolean;
  enable_folder_selection?: boolean;
  className_active?: string;
  className_reject?: string;
  className_disabled?: string;
  style_active?: CssProperties;
  style_reject?: CssProperties;
  style_disabled?: CssProperties;
};

/** Props of `dcc.Download`: a callback sets `data` to make the browser download a file. */
export type DownloadProps = {
  id?: ComponentId;
  data?: { filename: string; content: string; base64?: boolean; type?: string } | null;
  base64?: boolean;
  type?: string;
};

/** Props of `dcc.Clipboard`: a button that copies text or another component's text. */
export type ClipboardProps = DccBaseProps & {
  children?: Children;
  /** Shown for a moment after copying. */
  copied_children?: Children;
  target_id?: ComponentId;
  content?: string;
  html_content?: string;
  n_clicks?: number;
  title?: string;
};

/** Props of `dcc.ConfirmDialog`: a browser `confirm()` shown while `displayed` is true. */
export type ConfirmDialogProps = {
  id?: ComponentId;
  message?: string;
  submit_n_clicks?: number;
  submit_n_clicks_timestamp?: number;
  cancel_n_clicks?: number;
  cancel_n_clicks_timestamp?: number;
  displayed?: boolean;
};

/** Props of `dcc.ConfirmDialogProvider`: asks for confirmation when its child is clicked. */
export type ConfirmDialogProviderProps = ConfirmDialogProps & { children?: Children };

/** Props of `dcc.Geolocation`: the browser's position. */
export type GeolocationProps = {
  id?: ComponentId;
  local_date?: string;
  timestamp?: number;
  position?: {
    lat?: number;
    lon?: number;
    accuracy?: number;
    alt?: number;
    alt_accuracy?: number;
    heading?: number;
    speed?: number;
  };
  position_error?: { code?: number; message?: string };
  show_alert?: boolean;
  update_now?: boolean;
  high_accuracy?: boolean;
  maximum_age?: number;
  timeout?: number;
};
