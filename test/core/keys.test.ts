import { describe, expect, it } from "vitest";
import { cacheKey, componentKey, newJobId, stableStringify } from "../../src/index.js";

describe("newJobId", () => {
  it("is URL-safe, 22 characters (128 bits), and fresh every time", () => {
    const ids = new Set(Array.from({ length: 1000 }, () => newJobId()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });
});

describe("stableStringify and componentKey", () => {
  it("sorts object keys at every depth, keeps array order", () => {
    expect(stableStringify({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it("writes dict ids as Dash does and keeps string ids", () => {
    expect(componentKey({ type: "row", index: 2 })).toBe('{"index":2,"type":"row"}');
    expect(componentKey("plain")).toBe("plain");
  });
});

describe("cacheKey", () => {
  const base = { callbackId: "out.children", args: [1, "a", { x: [1, 2] }] };

  it("is deterministic and ignores object key order", () => {
    expect(cacheKey(base)).toBe(cacheKey({ callbackId: "out.children", args: [1, "a", { x: [1, 2] }] }));
    expect(cacheKey({ ...base, args: [{ b: 1, a: 2 }] })).toBe(cacheKey({ ...base, args: [{ a: 2, b: 1 }] }));
    expect(cacheKey(base)).toMatch(/^[0-9a-f]{64}$/);
  });

  it("differs by callback id, by argument and by cacheBy value", () => {
    const keys = [
      cacheKey(base),
      cacheKey({ ...base, callbackId: "other.children" }),
      cacheKey({ ...base, args: [2, "a", { x: [1, 2] }] }),
      cacheKey({ ...base, cacheBy: ["user-1"] }),
      cacheKey({ ...base, cacheBy: ["user-2"] }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("leaves ignored positions out, and only those", () => {
    expect(cacheKey({ ...base, args: [1, "zzz", {}], ignoreArgs: [1, 2] })).toBe(
      cacheKey({ ...base, ignoreArgs: [1, 2] }),
    );
    expect(cacheKey({ ...base, args: [9, "a", { x: [1, 2] }], ignoreArgs: [1] })).not.toBe(
      cacheKey({ ...base, ignoreArgs: [1] }),
    );
  });

  it.each([
    [{ callbackId: "", args: [] }, /callbackId/],
    [{ callbackId: "a", args: "x" }, /`args` to be an array/],
    [{ callbackId: "a", args: [() => 1] }, /`args` to be JSON/],
    [{ callbackId: "a", args: [], ignoreArgs: [-1] }, /ignoreArgs/],
    [{ callbackId: "a", args: [], cacheBy: [Number.NaN] }, /cacheBy/],
  ])("rejects %j with a coded TypeError", (parts, message) => {
    expect(() => cacheKey(parts as never)).toThrow(message);
    try {
      cacheKey(parts as never);
    } catch (error) {
      expect(error).toBeInstanceOf(TypeError);
      expect((error as { code: string }).code).toBe("INVALID_ARGUMENT");
    }
  });
});
