import { describe, expect, it } from "vitest";
import { applyPatch, isPatch, type Json, mergeSideUpdate, Patch, type SideUpdates } from "../../src/index.js";

describe("Patch", () => {
  it("records Dash's operations at nested locations, in call order, as the renderer's wire object", () => {
    const patch = new Patch();
    patch.at("data", 0, "y").append(3).prepend(0).insert(-1, 2).extend([4, 5]).remove(9).reverse();
    patch.at("layout").set("title", "t").delete("shapes").merge({ height: 300 });
    patch.at("n").add(1).sub(2).mul(3).div(4);
    patch.at("rows").clear();
    const wire = JSON.parse(JSON.stringify(patch));
    expect(wire.__dash_patch_update).toBe("__dash_patch_update");
    expect(wire.operations.map((op: { operation: string }) => op.operation)).toEqual([
      "Append",
      "Prepend",
      "Insert",
      "Extend",
      "Remove",
      "Reverse",
      "Assign",
      "Delete",
      "Merge",
      "Add",
      "Sub",
      "Mul",
      "Div",
      "Clear",
    ]);
    expect(wire.operations[2]).toEqual({
      operation: "Insert",
      location: ["data", 0, "y"],
      params: { value: 2, index: -1 },
    });
    expect(wire.operations[6]).toEqual({ operation: "Assign", location: ["layout", "title"], params: { value: "t" } });
    expect(isPatch(patch) && isPatch(wire)).toBe(true);
    expect(isPatch({ operations: [] })).toBe(false);
  });

  it("copies values when recorded: changing the caller's array later changes nothing", () => {
    const rows = [{ a: 1 }];
    const patch = new Patch().extend(rows);
    rows.push({ a: 2 });
    expect(patch.toJSON().operations[0]?.params.value).toEqual([{ a: 1 }]);
  });

  it("refuses what the renderer cannot apply, with INVALID_ARGUMENT naming the value", () => {
    const cases: [() => unknown, RegExp][] = [
      [() => new Patch().at(1.5 as never), /location key/],
      [() => new Patch().extend("ab" as never), /`items` to be an array/],
      [() => new Patch().append(() => 1), /`item` to be JSON/],
      [() => new Patch().merge([1] as never), /plain object/],
      [() => new Patch().div(Number.NaN), /finite number/],
      [() => new Patch().insert(0.5, 1), /`index` to be an integer/],
    ];
    for (const [call, message] of cases) {
      expect(call).toThrow(
        expect.objectContaining({ code: "INVALID_ARGUMENT", message: expect.stringMatching(message) }),
      );
    }
  });

  it("applies to a value as the renderer does, negative indexes included", () => {
    const patch = new Patch();
    patch.at("data", -1, "y").append(3);
    patch.at("data", 0).delete("x");
    patch.set("count", 1);
    patch.at("count").add(4);
    patch.at("tags").remove({ k: 1 });
    const value: Json = { data: [{ x: 1, y: [1] }, { y: [2] }], tags: [{ k: 1 }, { k: 2 }] };
    expect(applyPatch(value, patch.toJSON())).toEqual({
      data: [{ y: [1] }, { y: [2, 3] }],
      tags: [{ k: 2 }],
      count: 5,
    });
    expect(value).toEqual({ data: [{ x: 1, y: [1] }, { y: [2] }], tags: [{ k: 1 }, { k: 2 }] });
  });

  it("setProps patches between two polls compose: none of their operations is lost", () => {
    const pending: SideUpdates = {};
    const json = (value: unknown) => JSON.parse(JSON.stringify(value)) as Json;
    mergeSideUpdate(pending, "table", { data: json(new Patch().append(1)) });
    mergeSideUpdate(pending, "table", { data: json(new Patch().append(2)), page: 1 });
    expect((pending.table as { data: { operations: unknown[] } }).data.operations).toHaveLength(2);
    expect(applyPatch([0], pending.table?.data as never)).toEqual([0, 1, 2]);
    // A value then a patch: the patch is applied to the value, so the page gets one value.
    mergeSideUpdate(pending, "table", { data: [9] });
    mergeSideUpdate(pending, "table", { data: json(new Patch().extend([10, 11])) });
    expect(pending.table).toEqual({ data: [9, 10, 11], page: 1 });
    // A patch then a value: the value replaces.
    mergeSideUpdate(pending, "table", { data: json(new Patch().clear()) });
    mergeSideUpdate(pending, "table", { data: [] });
    expect(pending.table?.data).toEqual([]);
  });
});
