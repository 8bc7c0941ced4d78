import { describe, expect, it } from "vitest";
import { Component, dcc, html } from "../../src/components/index.js";

/** Calls `make` with arguments the types forbid, as plain JavaScript could. */
type Loose = (...args: unknown[]) => Component;
const looseDiv = html.Div as unknown as Loose;
const looseGraph = dcc.Graph as unknown as Loose;
const looseStore = dcc.Store as unknown as Loose;
const looseLink = dcc.Link as unknown as Loose;

/** Asserts `make` throws a coded TypeError whose message contains every fragment. */
function expectInvalid(make: () => unknown, ...fragments: string[]): void {
  let caught: unknown;
  try {
    make();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(TypeError);
  expect(caught).toMatchObject({ code: "INVALID_ARGUMENT" });
  const message = (caught as Error).message;
  expect(message.startsWith("[background-callbacks:")).toBe(true);
  for (const fragment of fragments) expect(message).toContain(fragment);
}

class Point {
  constructor(readonly x: number) {}
}

describe("id", () => {
  it("the message names the component, the prop and the value", () => {
    expectInvalid(() => looseDiv({ id: 3 }));
    expect(() => looseDiv({ id: 3 })).toThrow(
      "[background-callbacks:html] Expected `id` of html.Div to be a non-empty string or an object id (values: string, number, boolean), got `3` (number)",
    );
  });

  it.each([
    ["a number", 3, "`3` (number)"],
    ["an empty string", "", '`""` (string)'],
    ["an array", ["a"], "(array)"],
    ["an empty object", {}, "`{}` (object)"],
    ["an object with a nested object", { type: "x", index: { a: 1 } }, "(object)"],
    ["an object with NaN", { type: "x", index: Number.NaN }, "(object)"],
    ["a boolean", true, "`true` (boolean)"],
    ["null", null, "`null` (null)"],
    ["a class instance", new Point(1), "(object)"],
  ])("rejects %s", (_, id, shown) => {
    expectInvalid(() => looseDiv({ id }), "`id` of html.Div", shown);
  });

  it("dcc components check ids too", () => {
    expectInvalid(() => looseGraph({ id: 5 }), "[background-callbacks:dcc]", "`id` of dcc.Graph", "`5` (number)");
  });

  it("accepts strings and object ids of strings, numbers and booleans", () => {
    expect(html.Div({ id: "a" }).props.id).toBe("a");
    expect(html.Div({ id: { type: "t", index: 2, on: true } }).props.id).toEqual({ type: "t", index: 2, on: true });
  });
});

describe("children", () => {
  it.each<[string, unknown, ...string[]]>([
    ["a boolean", true, "`children` of html.Div", "`true` (boolean)"],
    ["a plain object in the props", { a: 1 }, "`children` of html.Div", "(object)"],
    ["NaN", Number.NaN, "`children` of html.Div", "`NaN` (number)"],
    ["a function", () => "x", "`children` of html.Div", "(function)"],
    ["a nested array", [["a"]], "`children[0]` of html.Div", "arrays do not nest", '`["a"]` (array)'],
    ["undefined in an array", ["a", undefined], "`children[1]` of html.Div", "(undefined)"],
    ["a boolean in an array", ["a", html.Br(), false], "`children[2]` of html.Div", "`false` (boolean)"],
    ["Infinity in an array", [Number.POSITIVE_INFINITY], "`children[0]` of html.Div", "`Infinity` (number)"],
  ])("rejects %s", (_, children, ...fragments) => {
    expectInvalid(() => looseDiv({ children }), ...fragments);
  });

  it("rejects a bad first argument the same way", () => {
    expectInvalid(() => looseDiv(true), "`children` of html.Div", "`true` (boolean)");
    expectInvalid(() => looseDiv([1, [2]]), "`children[1]` of html.Div");
  });

  it("rejects holes in an array", () => {
    // biome-ignore lint/suspicious/noSparseArray: the hole is what is tested
    expectInvalid(() => looseDiv([, "a"]), "`children[0]` of html.Div");
  });

  it("rejects children given twice", () => {
    expectInvalid(() => looseDiv("a", { children: "b" }), "html.Div got `children` twice");
  });

  it("rejects children for components that take none", () => {
    expectInvalid(() => looseGraph("x"), "dcc.Graph", "takes no children", '`"x"` (string)');
    expectInvalid(() => looseGraph([html.Div()]), "dcc.Graph", "takes no children");
  });
});

describe("prop values", () => {
  it.each<[string, Record<string, unknown>, ...string[]]>([
    ["a function", { style: { color: () => "red" } }, "`style.color` of html.Div", "(function)"],
    ["NaN", { tabIndex: Number.NaN }, "`tabIndex` of html.Div", "`NaN` (number)"],
    ["Infinity deep inside", { style: { a: [1, Number.NEGATIVE_INFINITY] } }, "`style.a[1]`", "`-Infinity` (number)"],
    ["a Date", { title: new Date(0) }, "`title` of html.Div", "an instance of Date"],
    ["a Map", { style: new Map() }, "`style` of html.Div", "an instance of Map"],
    ["a class instance", { "data-x": new Point(1) }, "`data-x` of html.Div", "an instance of Point"],
    ["undefined in an array", { className: ["a", undefined] }, "`className[1]`", "(undefined)"],
    ["a bigint", { n_clicks: 1n }, "`n_clicks` of html.Div", "(bigint)"],
    ["a symbol", { key: Symbol("k") }, "`key` of html.Div", "(symbol)"],
  ])("rejects %s", (_, props, ...fragments) => {
    expectInvalid(() => looseDiv(props), ...fragments, "to be JSON");
  });

  it("rejects a cycle", () => {
    const data: Record<string, unknown> = { a: 1 };
    data.self = data;
    expectInvalid(() => dcc.Store({ id: "s", data }), "`data.self` of dcc.Store", "cycle");
  });

  it("names the path inside a figure", () => {
    const figure = { data: [{ type: "bar", x: [1, Number.NaN] }] };
    expectInvalid(() => dcc.Graph({ id: "g", figure }), "`figure.data[0].x[1]` of dcc.Graph", "`NaN` (number)");
  });

  it("allows components anywhere inside props, and the same value twice", () => {
    const shared = { color: "red" };
    const dropdown = dcc.Dropdown({
      options: [{ label: [html.B("a"), " b"], value: 1 }],
      style: shared,
      labels: { search: "Search" },
    });
    expect(dropdown.props.style).toBe(shared);
    expect(() => html.Div({ style: shared, "data-a": "1" })).not.toThrow();
  });
});

describe("arguments", () => {
  it("rejects a second argument after props", () => {
    expectInvalid(() => looseDiv({ id: "a" }, { title: "t" }), "html.Div", "no second argument");
  });

  it("rejects props that are not a plain object", () => {
    expectInvalid(() => looseDiv("a", ["b"]), "props of html.Div", "plain object", "(array)");
    expectInvalid(() => looseDiv("a", new Point(1)), "props of html.Div", "plain object");
  });

  it("rejects a third argument", () => {
    expectInvalid(() => looseDiv("a", {}, {}), "at most 2 arguments for html.Div");
  });

  it("rejects missing required props", () => {
    expectInvalid(() => looseStore({ data: 1 }), "`id` of dcc.Store", "required");
    expectInvalid(() => looseStore(), "`id` of dcc.Store", "required");
    expectInvalid(() => (dcc.Location as unknown as Loose)({}), "`id` of dcc.Location", "required");
    expectInvalid(() => looseLink("home"), "`href` of dcc.Link", "required");
  });

  it("rejects props that are not an object in the Component constructor", () => {
    expectInvalid(
      () => new Component("dash_html_components", "Div", "x" as unknown as Record<string, unknown>),
      "props of html.Div",
    );
  });
});
