import { describe, expect, it } from "vitest";
import { type Component, childrenProps, dcc, html, isComponent } from "../../src/components/index.js";

/**
 * Follows one `children_props` path the way dash-renderer 3.4.1's `crawlLayout` does
 * (`lib/actions/utils.js`): `a.b` walks keys, `list[].key` takes `key` of every item of `list`.
 * Returns the values found there.
 */
function follow(props: Record<string, unknown>, path: string): unknown[] {
  const [front = "", back] = path.split("[]");
  const list = front.split(".").reduce<unknown>((value, key) => (value as Record<string, unknown>)?.[key], props);
  if (back === undefined) return [list];
  const keys = back.split(".").filter(Boolean);
  return (list as unknown[]).map((item) =>
    keys.reduce<unknown>((value, key) => (value as Record<string, unknown>)?.[key], item),
  );
}

const samples: Record<string, Component> = {
  Checklist: dcc.Checklist({ options: [{ label: html.B("a"), value: "a" }] }),
  Clipboard: dcc.Clipboard({ copied_children: html.Span("copied") }),
  Dropdown: dcc.Dropdown({ options: [{ label: html.B("a"), value: "a" }] }),
  Loading: dcc.Loading({ custom_spinner: html.Span("…") }),
  RadioItems: dcc.RadioItems({ options: [{ label: html.B("a"), value: "a" }] }),
  Tab: dcc.Tab({ label: html.B("a") }),
};

describe("childrenProps", () => {
  it("lists the dcc props besides children that hold components", () => {
    expect(childrenProps).toEqual({
      dash_core_components: {
        Checklist: ["options[].label"],
        Clipboard: ["copied_children"],
        Dropdown: ["options[].label"],
        Loading: ["custom_spinner"],
        RadioItems: ["options[].label"],
        Tab: ["label"],
      },
    });
    expect(Object.isFrozen(childrenProps)).toBe(true);
  });

  it("never lists children, which the renderer always crawls itself", () => {
    const all = Object.values(childrenProps).flatMap((byType) => Object.values(byType).flat());
    expect(all.some((path) => path.split(/[.[\]{}]/)[0] === "children")).toBe(false);
  });

  it("names only components that exist", () => {
    expect(Object.keys(childrenProps)).toEqual(["dash_core_components"]);
    for (const type of Object.keys(childrenProps.dash_core_components ?? {})) expect(type in dcc).toBe(true);
  });

  it.each(Object.entries(childrenProps.dash_core_components ?? {}))(
    "every path of %s leads to the component in a sample",
    (type, paths) => {
      const sample = samples[type];
      expect(sample).toBeDefined();
      for (const path of paths) {
        const found = follow(sample?.props ?? {}, path);
        expect(found.length).toBeGreaterThan(0);
        expect(found.every(isComponent)).toBe(true);
      }
    },
  );

  it("serialises as _dash-config expects", () => {
    expect(
      JSON.parse(JSON.stringify({ children_props: childrenProps })).children_props.dash_core_components.Tab,
    ).toEqual(["label"]);
  });
});
