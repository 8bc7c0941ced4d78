import { type ComponentFactory, makeFactory } from "./component.js";
import type { HtmlCommonProps, HtmlExtraProps } from "./html-props.js";

const namespace = "dash_html_components";

/**
 * The names of the components of dash-html-components 4.5.0, exactly as its bundle exports them
 * on `window.dash_html_components`. `MapEl` and `ObjectEl` are `<map>` and `<object>`.
 */
export const htmlNames = [
  "A",
  "Abbr",
  "Acronym",
  "Address",
  "Area",
  "Article",
  "Aside",
  "Audio",
  "B",
  "Base",
  "Basefont",
  "Bdi",
  "Bdo",
  "Big",
  "Blink",
  "Blockquote",
  "Br",
  "Button",
  "Canvas",
  "Caption",
  "Center",
  "Cite",
  "Code",
  "Col",
  "Colgroup",
  "Content",
  "Data",
  "Datalist",
  "Dd",
  "Del",
  "Details",
  "Dfn",
  "Dialog",
  "Div",
  "Dl",
  "Dt",
  "Em",
  "Embed",
  "Fieldset",
  "Figcaption",
  "Figure",
  "Font",
  "Footer",
  "Form",
  "Frame",
  "Frameset",
  "H1",
  "H2",
  "H3",
  "H4",
  "H5",
  "H6",
  "Header",
  "Hgroup",
  "Hr",
  "I",
  "Iframe",
  "Img",
  "Ins",
  "Kbd",
  "Keygen",
  "Label",
  "Legend",
  "Li",
  "Link",
  "Main",
  "MapEl",
  "Mark",
  "Marquee",
  "Meta",
  "Meter",
  "Nav",
  "Nobr",
  "Noscript",
  "ObjectEl",
  "Ol",
  "Optgroup",
  "Option",
  "Output",
  "P",
  "Param",
  "Picture",
  "Plaintext",
  "Pre",
  "Progress",
  "Q",
  "Rb",
  "Rp",
  "Rt",
  "Rtc",
  "Ruby",
  "S",
  "Samp",
  "Script",
  "Section",
  "Select",
  "Shadow",
  "Slot",
  "Small",
  "Source",
  "Spacer",
  "Span",
  "Strike",
  "Strong",
  "Sub",
  "Summary",
  "Sup",
  "Table",
  "Tbody",
  "Td",
  "Template",
  "Textarea",
  "Tfoot",
  "Th",
  "Thead",
  "Time",
  "Title",
  "Tr",
  "Track",
  "U",
  "Ul",
  "Var",
  "Video",
  "Wbr",
  "Xmp",
] as const;

/** The name of an `html` component, such as `"Div"`. */
export type HtmlName = (typeof htmlNames)[number];

/** The props of one `html` component: the common ones and its own. */
export type HtmlProps<N extends HtmlName> = HtmlCommonProps &
  (N extends keyof HtmlExtraProps ? HtmlExtraProps[N] : unknown);

/** The type of {@link html}: one factory per component of dash-html-components. */
export type HtmlComponents = { readonly [N in HtmlName]: ComponentFactory<HtmlProps<N>> };

/**
 * The components of dash-html-components, one factory per HTML element (namespace
 * `dash_html_components`). Each takes its props, or its children and then the other props.
 *
 * @throws `INVALID_ARGUMENT` (a `TypeError`) from a factory for a bad `id`, bad children, children
 * given twice, or a prop value that is not JSON.
 * @example
 * ```ts
 * app.layout = html.Div([
 *   html.H1("Report"),
 *   html.P({ id: "paragraph_id", children: "Button not clicked" }),
 *   html.Progress({ id: "progress_bar", value: "0", max: 10 }),
 *   html.Button("Run", { id: "button_id", disabled: false }),
 * ]);
 * ```
 */
export const html: HtmlComponents = Object.freeze(
  Object.fromEntries(htmlNames.map((name) => [name, makeFactory(namespace, name)])),
) as HtmlComponents;
