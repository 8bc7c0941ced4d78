import { describe, expect, it } from "vitest";
import { type Component, html, htmlNames } from "../../src/components/index.js";

/**
 * Every export of the npm package dash-html-components@4.5.0, file
 * `dash_html_components/dash_html_components.min.js`: the bundle was run with a stub `window`
 * and this is `Object.keys(window.dash_html_components)`, in its order (125 names).
 */
const bundleNames = [
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
];

describe("html", () => {
  it("has exactly the components of the bundle, in its order", () => {
    expect(bundleNames).toHaveLength(125);
    expect(Object.keys(html)).toEqual(bundleNames);
    expect([...htmlNames]).toEqual(bundleNames);
  });

  it.each(bundleNames)("html.%s makes a node the renderer finds at window.dash_html_components.%s", (name) => {
    const factory = (html as unknown as Record<string, (children?: unknown) => Component>)[name];
    expect(typeof factory).toBe("function");
    const node = factory?.("x").toJSON();
    expect(node).toEqual({ type: name, namespace: "dash_html_components", props: { children: "x" } });
  });

  it("is frozen", () => {
    expect(Object.isFrozen(html)).toBe(true);
  });

  it("passes element-specific props through", () => {
    const link = html.A("docs", { href: "https://dash.plotly.com", target: "_blank" });
    expect(link.props).toEqual({ href: "https://dash.plotly.com", target: "_blank", children: "docs" });
    expect(html.Img({ src: "/a.png", alt: "a" }).props).toEqual({ src: "/a.png", alt: "a" });
    expect(html.Progress({ id: "p", value: "3", max: 10 }).props).toEqual({ id: "p", value: "3", max: 10 });
    expect(html.Td("x", { colSpan: 2, rowSpan: "3" }).props).toEqual({ colSpan: 2, rowSpan: "3", children: "x" });
    expect(html.Button("Run", { disabled: true, type: "submit", n_clicks: 0 }).props.disabled).toBe(true);
    expect(html.Div({ "data-row": "1", "aria-label": "row" }).props).toEqual({ "data-row": "1", "aria-label": "row" });
  });

  it("Map and Object elements are MapEl and ObjectEl, as in the bundle", () => {
    expect(html.MapEl({ name: "m" }).type).toBe("MapEl");
    expect(html.ObjectEl({ data: "/a.svg" }).type).toBe("ObjectEl");
    expect("Map" in html).toBe(false);
    expect("Object" in html).toBe(false);
  });
});
