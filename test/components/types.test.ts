import { describe, expectTypeOf, it } from "vitest";
import {
  type Child,
  type Component,
  type ComponentId,
  dcc,
  type Figure,
  type GraphProps,
  type HtmlProps,
  html,
} from "../../src/components/index.js";

/**
 * Type-level checks: `npx tsc --noEmit` fails if a `@ts-expect-error` line compiles. The
 * function is never called; the runtime behaviour is covered by the other test files.
 */
function mistakesTheTypesCatch(): void {
  // @ts-expect-error an unknown prop
  html.Div({ foo: 1 });
  // @ts-expect-error a boolean child
  html.Div(true);
  // @ts-expect-error nested arrays of children
  html.Div([["a"]]);
  // @ts-expect-error children twice
  html.Div("x", { children: "y" });
  // @ts-expect-error the bundle types Progress.value as a string
  html.Progress({ value: 3 });
  // @ts-expect-error Button-only prop on a Div
  html.Div({ disabled: true });
  // @ts-expect-error data-* values are strings
  html.Div({ "data-x": 1 });
  // @ts-expect-error Graph takes no children
  dcc.Graph("x");
  // @ts-expect-error Store needs an id
  dcc.Store({ data: 1 });
  // @ts-expect-error Store needs its props
  dcc.Store();
  // @ts-expect-error Link needs an href
  dcc.Link("home");
  // @ts-expect-error a figure needs data
  dcc.Graph({ figure: { layout: {} } });
  // @ts-expect-error Input types are a fixed list
  dcc.Input({ type: "color" });
  // @ts-expect-error Slider values are numbers
  dcc.Slider({ value: "5" });
}

describe("types", () => {
  it("factories return components with typed props", () => {
    expectTypeOf(mistakesTheTypesCatch).toBeFunction();
    const div = html.Div("x");
    expectTypeOf(div).toEqualTypeOf<Component<HtmlProps<"Div">>>();
    expectTypeOf(div).toMatchTypeOf<Child>();
    expectTypeOf(dcc.Graph({})).toEqualTypeOf<Component<GraphProps>>();
    expectTypeOf(html.Button({}).props.disabled).toEqualTypeOf<boolean | "disabled" | "DISABLED" | undefined>();
    expectTypeOf<HtmlProps<"Div">["id"]>().toEqualTypeOf<ComponentId | undefined>();
  });

  it("accepts what users write", () => {
    const trace = { type: "bar", x: [1], orientation: "h" };
    const figure = { data: [trace], layout: { height: 100 } };
    expectTypeOf(figure).toMatchTypeOf<Figure>();
    interface Saved {
      a: number;
    }
    const saved: Saved = { a: 1 };
    expectTypeOf(dcc.Store({ id: "s", data: saved })).toMatchTypeOf<Component>();
    expectTypeOf(
      html.Div({ id: { type: "row", index: 1 }, "aria-label": "x", style: { marginTop: 4 } }),
    ).toMatchTypeOf<Component>();
  });
});
