import { callback, ctx, type GroupedArg, Input, Output, State } from "background-callbacks";

// Dash: inputs=dict(a=Input(...), pair=(Input(...), Input(...))), state=dict(note=State(...)),
// output=dict(total=Output(...), which=Output(...)).
callback(
  {
    output: { total: Output("total", "children"), which: Output("which", "children") },
    inputs: { a: Input("a", "value"), pair: [Input("b", "value"), Input("c", "value")] },
    state: { note: State("note", "value") },
  },
  ({ a, pair: [b, c], note }: { a: number; pair: [number, number]; note: string }) => {
    const grouping = ctx.argsGrouping as { a: GroupedArg };
    return { total: a + b + c, which: `${note}: ${grouping.a.triggered ? "a" : "b or c"} changed` };
  },
);

// Positional groups: one argument per entry of `inputs`, each in its entry's shape; the return
// value is a list whose second entry is an object.
callback(
  {
    output: [Output("sum", "children"), { min: Output("min", "children"), max: Output("max", "children") }],
    inputs: [Input("x", "value"), { lo: Input("lo", "value"), hi: Input("hi", "value") }],
  },
  (x: number, { lo, hi }: { lo: number; hi: number }) => [x + lo + hi, { min: Math.min(x, lo), max: Math.max(x, hi) }],
);
