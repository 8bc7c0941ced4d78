import { describe, expect, it } from "vitest";
import { type Children, Component, dcc, html, isComponent, makeFactory } from "../../src/components/index.js";

describe("layout JSON", () => {
  it("a nested layout serialises to exactly the renderer's wire format", () => {
    const layout = html.Div([
      html.P({ id: "paragraph_id", children: "Button not clicked" }),
      html.Button({ id: "button_id", children: "Run" }),
      html.Progress({ id: "progress_bar", value: "0" }),
    ]);
    expect(JSON.parse(JSON.stringify(layout))).toEqual({
      type: "Div",
      namespace: "dash_html_components",
      props: {
        children: [
          {
            type: "P",
            namespace: "dash_html_components",
            props: { id: "paragraph_id", children: "Button not clicked" },
          },
          { type: "Button", namespace: "dash_html_components", props: { id: "button_id", children: "Run" } },
          { type: "Progress", namespace: "dash_html_components", props: { id: "progress_bar", value: "0" } },
        ],
      },
    });
  });

  it("the JSON text is byte for byte what is expected", () => {
    const layout = html.Div(["a", html.Br(), 3, null], { id: "x" });
    expect(JSON.stringify(layout)).toBe(
      '{"type":"Div","namespace":"dash_html_components","props":{"id":"x","children":["a",{"type":"Br","namespace":"dash_html_components","props":{}},3,null]}}',
    );
  });

  it("mixes namespaces, and components inside props serialise too", () => {
    const layout = html.Div([
      dcc.Graph({
        id: "g",
        figure: { data: [{ type: "bar", x: [1, 2], y: [3, 4] }], layout: { title: { text: "t" } } },
      }),
      dcc.Dropdown({ id: "dd", options: [{ label: html.B("bold"), value: "a" }, "b"], value: "a" }),
      dcc.Loading({ id: "l", children: html.Div("x"), custom_spinner: html.Span("…") }),
    ]);
    expect(JSON.parse(JSON.stringify(layout))).toEqual({
      type: "Div",
      namespace: "dash_html_components",
      props: {
        children: [
          {
            type: "Graph",
            namespace: "dash_core_components",
            props: {
              id: "g",
              figure: { data: [{ type: "bar", x: [1, 2], y: [3, 4] }], layout: { title: { text: "t" } } },
            },
          },
          {
            type: "Dropdown",
            namespace: "dash_core_components",
            props: {
              id: "dd",
              options: [
                { label: { type: "B", namespace: "dash_html_components", props: { children: "bold" } }, value: "a" },
                "b",
              ],
              value: "a",
            },
          },
          {
            type: "Loading",
            namespace: "dash_core_components",
            props: {
              id: "l",
              children: { type: "Div", namespace: "dash_html_components", props: { children: "x" } },
              custom_spinner: { type: "Span", namespace: "dash_html_components", props: { children: "…" } },
            },
          },
        ],
      },
    });
  });

  it("toJSON yields exactly type, namespace and props", () => {
    const json = html.Div("x", { id: "a" }).toJSON();
    expect(Object.keys(json)).toEqual(["type", "namespace", "props"]);
    expect(json).toStrictEqual({ type: "Div", namespace: "dash_html_components", props: { id: "a", children: "x" } });
  });

  it("undefined props are left out, null is kept", () => {
    const div = html.Div({ id: "a", title: undefined, className: undefined, children: null });
    expect(div.props).toStrictEqual({ id: "a", children: null });
    expect(Object.keys(div.toJSON().props)).toEqual(["id", "children"]);
    expect(JSON.stringify(div)).toBe(
      '{"type":"Div","namespace":"dash_html_components","props":{"id":"a","children":null}}',
    );
  });

  it("undefined members of nested objects are allowed (JSON leaves them out)", () => {
    const div = html.Div({ style: { color: undefined, margin: 0 } });
    expect(JSON.parse(JSON.stringify(div)).props).toEqual({ style: { margin: 0 } });
  });

  it("object ids are kept as objects", () => {
    const button = html.Button({ id: { type: "run-button", index: 0 }, children: "Run" });
    expect(button.toJSON().props.id).toEqual({ type: "run-button", index: 0 });
  });

  it("a layout can be a list of components", () => {
    expect(JSON.parse(JSON.stringify([html.H1("t"), html.Hr()]))).toEqual([
      { type: "H1", namespace: "dash_html_components", props: { children: "t" } },
      { type: "Hr", namespace: "dash_html_components", props: {} },
    ]);
  });
});

describe("call forms", () => {
  it.each<[string, () => Component]>([
    ["(children)", () => html.Div("text")],
    ["(children, props)", () => html.Div("text", { id: "d" })],
    ["(props)", () => html.Div({ id: "d", children: "text" })],
  ])("%s", (_, make) => {
    expect(make().props.children).toBe("text");
  });

  it("the first argument is the props only when it is a plain object", () => {
    expect(html.Div(html.P("x")).props.children).toBeInstanceOf(Component);
    expect(html.Div(["a", html.Br()], { style: { color: "red" } }).props).toEqual({
      style: { color: "red" },
      children: ["a", html.Br()],
    });
    expect(html.Div({ id: "p" }).props).toEqual({ id: "p" });
  });

  it("no arguments, and undefined children with props", () => {
    expect(html.Div().props).toEqual({});
    expect(html.Div(undefined, { id: "x" }).props).toEqual({ id: "x" });
    expect(html.Div(null).props).toEqual({ children: null });
  });

  it("numbers are children", () => {
    expect(html.Td(0).props.children).toBe(0);
    expect(html.Td([1.5, -2]).props.children).toEqual([1.5, -2]);
  });

  it("components with children in dcc take both forms; the others take props", () => {
    expect(dcc.Loading(html.Div("x"), { type: "dot" }).props.type).toBe("dot");
    expect(dcc.Tabs([dcc.Tab("a", { label: "A", value: "a" })]).props.children).toHaveLength(1);
    expect(dcc.Markdown("# Title").props.children).toBe("# Title");
    expect(dcc.Graph().props).toEqual({});
  });
});

describe("Component", () => {
  it("is frozen, and so are its props and children array", () => {
    const children: Children = ["a", "b"];
    const div = html.Div(children, { id: "x" });
    expect(Object.isFrozen(div)).toBe(true);
    expect(Object.isFrozen(div.props)).toBe(true);
    expect(Object.isFrozen(div.props.children)).toBe(true);
    expect(div.props.children).not.toBe(children);
  });

  it("isComponent recognises components, also from another copy of the library", () => {
    expect(isComponent(html.Div())).toBe(true);
    expect(isComponent(dcc.Store({ id: "s" }))).toBe(true);
    expect(isComponent({ type: "Div", namespace: "dash_html_components", props: {} })).toBe(false);
    expect(isComponent(null)).toBe(false);
    expect(isComponent("Div")).toBe(false);
    const foreign = { [Symbol.for("background-callbacks.component")]: true, toJSON: () => ({}) };
    expect(isComponent(foreign)).toBe(true);
    expect(html.Div([foreign as unknown as Component]).props.children).toHaveLength(1);
  });

  it("can be constructed directly", () => {
    const node = new Component("dash_html_components", "Div", { id: "x", children: "y" });
    expect(node.toJSON()).toEqual(html.Div("y", { id: "x" }).toJSON());
  });

  it("factories carry their namespace and type", () => {
    expect(html.Div.namespace).toBe("dash_html_components");
    expect(html.Div.type).toBe("Div");
    expect(html.Div.name).toBe("Div");
    expect(dcc.Graph.namespace).toBe("dash_core_components");
    expect(dcc.Graph.type).toBe("Graph");
  });
});

describe("makeFactory", () => {
  const Alert = makeFactory<{ id?: string; children?: Children; color?: string }>("dash_bootstrap_components", "Alert");

  it("makes components of any library", () => {
    expect(JSON.parse(JSON.stringify(Alert("Saved", { color: "success" })))).toEqual({
      type: "Alert",
      namespace: "dash_bootstrap_components",
      props: { color: "success", children: "Saved" },
    });
  });

  it("names the namespace in its errors", () => {
    expect(() => Alert({ id: 1 as unknown as string })).toThrow(
      "[background-callbacks:dash_bootstrap_components] Expected `id` of dash_bootstrap_components.Alert",
    );
  });

  it("rejects an empty namespace or type", () => {
    expect(() => makeFactory("", "X")).toThrow(expect.objectContaining({ code: "INVALID_ARGUMENT" }));
    expect(() => makeFactory("ns", "")).toThrow("Expected `type` to be a non-empty string");
  });
});
