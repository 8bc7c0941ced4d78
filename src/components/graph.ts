import type { DccBaseProps } from "./dcc-base.js";

/**
 * A plotly.js figure, as `dcc.Graph` takes it: traces, a layout, and animation frames. Traces
 * and the layout are loosely typed: see the plotly.js reference for their attributes.
 *
 * @example
 * ```ts
 * const figure: Figure = { data: [{ type: "bar", x: [1, 2], y: [3, 4] }], layout: { title: { text: "t" } } };
 * ```
 */
export type Figure = {
  data: readonly Record<string, unknown>[];
  layout?: Record<string, unknown>;
  frames?: readonly Record<string, unknown>[];
};

/** The plotly.js config of a `dcc.Graph` (modebar, zoom, editing, export). */
export type GraphConfig = {
  staticPlot?: boolean;
  plotlyServerURL?: string;
  editable?: boolean;
  editSelection?: boolean;
  edits?: {
    annotationPosition?: boolean;
    annotationTail?: boolean;
    annotationText?: boolean;
    axisTitleText?: boolean;
    colorbarPosition?: boolean;
    colorbarTitleText?: boolean;
    legendPosition?: boolean;
    legendText?: boolean;
    shapePosition?: boolean;
    titleText?: boolean;
  };
  autosizable?: boolean;
  responsive?: boolean;
  queueLength?: number;
  fillFrame?: boolean;
  frameMargins?: number;
  scrollZoom?: boolean;
  doubleClick?: false | "reset" | "autosize" | "reset+autosize";
  doubleClickDelay?: number;
  showTips?: boolean;
  showAxisDragHandles?: boolean;
  showAxisRangeEntryBoxes?: boolean;
  showLink?: boolean;
  sendData?: boolean;
  linkText?: string;
  displayModeBar?: boolean | "hover";
  showSendToCloud?: boolean;
  showEditInChartStudio?: boolean;
  modeBarButtonsToRemove?: readonly string[];
  modeBarButtonsToAdd?: readonly (string | Record<string, unknown>)[];
  modeBarButtons?: unknown;
  toImageButtonOptions?: {
    format?: "jpeg" | "png" | "webp" | "svg";
    filename?: string;
    width?: number;
    height?: number;
    scale?: number;
  };
  displaylogo?: boolean;
  watermark?: boolean;
  plotGlPixelRatio?: number;
  topojsonURL?: string;
  mapboxAccessToken?: unknown;
  locale?: string;
  locales?: Record<string, unknown>;
  displayNotifier?: boolean;
};

/** Props of `dcc.Graph`. The `*Data` props are set by the browser on user interaction. */
export type GraphProps = DccBaseProps & {
  figure?: Figure;
  config?: GraphConfig;
  /** Resize with the window and container; `"auto"` decides from `config` and the figure's size settings. @default "auto" */
  responsive?: boolean | "auto";
  clickData?: Record<string, unknown> | null;
  clickAnnotationData?: Record<string, unknown> | null;
  hoverData?: Record<string, unknown> | null;
  clear_on_unhover?: boolean;
  selectedData?: Record<string, unknown> | null;
  relayoutData?: Record<string, unknown> | null;
  extendData?: readonly unknown[] | Record<string, unknown>;
  prependData?: readonly unknown[] | Record<string, unknown>;
  restyleData?: readonly unknown[];
  mathjax?: boolean;
  /** Animate figure changes (plotly.animate). */
  animate?: boolean;
  animation_options?: Record<string, unknown>;
};
