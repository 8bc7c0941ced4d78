import { describe, expect, it } from "vitest";
import { type Component, dcc, html } from "../../src/components/index.js";

/**
 * Every export of the npm package dash-core-components@4.5.0, file
 * `dash_core_components/dash_core_components.js`: the bundle was run with a stub `window` and
 * this is `Object.keys(window.dash_core_components)` (26 names).
 */
const bundleNames = [
  "Button",
  "Checklist",
  "Clipboard",
  "ConfirmDialog",
  "ConfirmDialogProvider",
  "DatePickerRange",
  "DatePickerSingle",
  "Download",
  "Dropdown",
  "Geolocation",
  "Graph",
  "Input",
  "Interval",
  "Link",
  "Loading",
  "Location",
  "Markdown",
  "RadioItems",
  "RangeSlider",
  "Slider",
  "Store",
  "Tab",
  "Tabs",
  "Textarea",
  "Tooltip",
  "Upload",
];

/** The components whose props include `children` in the bundle's propTypes. */
const withChildren = [
  "Button",
  "Clipboard",
  "ConfirmDialogProvider",
  "Link",
  "Loading",
  "Markdown",
  "Tab",
  "Tabs",
  "Tooltip",
  "Upload",
];

/** Props each component needs in the test below. */
const needed: Record<string, Record<string, string>> = {
  Store: { id: "s" },
  Location: { id: "u" },
  Link: { href: "/" },
};

type Loose = (...args: unknown[]) => Component;

describe("dcc", () => {
  it("has exactly the components of the bundle", () => {
    expect(Object.keys(dcc).sort()).toEqual([...bundleNames].sort());
    expect(Object.isFrozen(dcc)).toBe(true);
  });

  it.each(bundleNames)("dcc.%s makes a node of namespace dash_core_components", (name) => {
    const factory = (dcc as unknown as Record<string, Loose>)[name];
    const node = factory?.({ ...needed[name] }).toJSON();
    expect(node).toEqual({ type: name, namespace: "dash_core_components", props: { ...needed[name] } });
  });

  it.each(bundleNames)("dcc.%s takes children as first argument only if it has children", (name) => {
    const factory = (dcc as unknown as Record<string, Loose>)[name];
    const make = () => factory?.("x", { ...needed[name] });
    if (withChildren.includes(name)) expect(make()?.props.children).toBe("x");
    else expect(make).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
  });

  it("builds the documented examples", () => {
    const layout = [
      dcc.Graph({
        id: "g",
        figure: { data: [{ type: "bar", x: [1, 2], y: [3, 4] }], layout: { title: { text: "t" } } },
      }),
      dcc.Interval({ id: "tick", interval: 1000 }),
      dcc.Input({ id: "in", value: "", type: "text" }),
      dcc.Dropdown({ id: "dd", options: ["a", "b"], value: "a" }),
      dcc.Slider({ id: "s", min: 0, max: 10, step: 1, value: 5 }),
      dcc.Store({ id: "st", data: { a: 1 } }),
      dcc.Loading({ id: "l", children: html.Div("x") }),
    ];
    expect(JSON.parse(JSON.stringify(layout))).toEqual([
      {
        type: "Graph",
        namespace: "dash_core_components",
        props: { id: "g", figure: { data: [{ type: "bar", x: [1, 2], y: [3, 4] }], layout: { title: { text: "t" } } } },
      },
      { type: "Interval", namespace: "dash_core_components", props: { id: "tick", interval: 1000 } },
      { type: "Input", namespace: "dash_core_components", props: { id: "in", value: "", type: "text" } },
      { type: "Dropdown", namespace: "dash_core_components", props: { id: "dd", options: ["a", "b"], value: "a" } },
      { type: "Slider", namespace: "dash_core_components", props: { id: "s", min: 0, max: 10, step: 1, value: 5 } },
      { type: "Store", namespace: "dash_core_components", props: { id: "st", data: { a: 1 } } },
      {
        type: "Loading",
        namespace: "dash_core_components",
        props: { id: "l", children: { type: "Div", namespace: "dash_html_components", props: { children: "x" } } },
      },
    ]);
  });

  it("more components with their typical props", () => {
    const tabs = dcc.Tabs({
      id: "tabs",
      value: "a",
      children: [dcc.Tab({ label: "A", value: "a" }), dcc.Tab("B", { label: html.I("b"), value: "b" })],
    });
    expect(JSON.parse(JSON.stringify(tabs)).props.children[1].props.label).toEqual({
      type: "I",
      namespace: "dash_html_components",
      props: { children: "b" },
    });
    expect(dcc.Checklist({ options: { a: "A" }, value: ["a"], inline: true }).props.options).toEqual({ a: "A" });
    expect(dcc.RadioItems({ options: [1, true, "x"], value: 1 }).props.value).toBe(1);
    expect(
      dcc.RangeSlider({ min: 0, max: 10, value: [2, 5], marks: { 0: "zero", 10: { label: "ten" } } }).props.value,
    ).toEqual([2, 5]);
    expect(dcc.Textarea({ id: "t", value: "x", rows: 3 }).props.rows).toBe(3);
    expect(dcc.Markdown(["# a", "b"], { dedent: false }).props.children).toEqual(["# a", "b"]);
    expect(dcc.Location({ id: "url", refresh: "callback-nav" }).props.refresh).toBe("callback-nav");
    expect(dcc.Link("Home", { href: "/" }).props).toEqual({ href: "/", children: "Home" });
    expect(dcc.Store({ id: "st", data: [1, "a", null], storage_type: "session" }).props.data).toEqual([1, "a", null]);
  });
});
