import { describe, expect, it } from "vitest";
import { Dash, Input, noUpdate, Output, State } from "../../src/index.js";

const post = (app: Dash, body: unknown) =>
  app.fetch(
    new Request("http://127.0.0.1/_dash-update-component", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    }),
  );

const twoOutputs = {
  output: "..x.children...y.children..",
  outputs: [
    { id: "x", property: "children" },
    { id: "y", property: "children" },
  ],
  inputs: [{ id: "i", property: "value", value: 1 }],
  changedPropIds: ["i.value"],
};

describe("grouped signatures", () => {
  it("refuses mixed or clashing shapes at registration, naming the option", () => {
    const app = new Dash();
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ inputs: { a: Input("a", "value") }, state: [State("s", "value")] }, /`state` to be an object/],
      [{ inputs: [Input("a", "value")], state: { s: State("s", "value") } }, /`state` to be a list/],
      [{ inputs: { a: Input("a", "value") }, state: { a: State("s", "value") } }, /both name "a"/],
      [{ inputs: {} }, /`inputs` to hold Input/],
      [{ inputs: { a: Output("a", "value") } }, /`inputs` to hold Input/],
      [{ inputs: Input("a", "value"), output: { x: "x.children" } }, /`output` to hold Output/],
    ];
    for (const [options, message] of cases) {
      expect(() => app.callback(options as never, () => 1)).toThrow(
        expect.objectContaining({ code: "INVALID_ARGUMENT", message: expect.stringMatching(message) }),
      );
    }
  });

  it("a return value of another shape is the callback's error, naming where it differs; noUpdate leaves a part", async () => {
    const app = new Dash();
    let value: unknown = { x: 1 };
    app.callback(
      { output: { x: Output("x", "children"), y: Output("y", "children") }, inputs: { i: Input("i", "value") } },
      () => value,
    );
    const wrong = await post(app, twoOutputs);
    expect(wrong.status).toBe(500);
    expect(await wrong.text()).toContain('Expected the return value to have the key "y"');
    value = { x: 2, y: noUpdate };
    const partial = await post(app, twoOutputs);
    expect(await partial.json()).toEqual({ multi: true, response: { x: { children: 2 } } });
  });
});
