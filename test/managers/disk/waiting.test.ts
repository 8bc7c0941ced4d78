import { describe, expect, it } from "vitest";
import { WaitingLine } from "../../../managers/disk/waiting.js";

describe("WaitingLine", () => {
  it("agrees with a plain sorted list through random adds (out of order) and removals", () => {
    const line = new WaitingLine();
    const model: { id: string; order: number }[] = [];
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    // Submits fix their order first and may be added later, out of order: neighbours swap.
    const orders = Array.from({ length: 5_000 }, (_, i) => i);
    for (let i = 1; i < orders.length; i += 1 + random(3)) {
      [orders[i - 1], orders[i]] = [orders[i] as number, orders[i - 1] as number];
    }
    for (let step = 0; step < 5_000; step++) {
      if (random(3) > 0 || model.length === 0) {
        const order = orders[step] as number;
        const id = `j${step}`;
        line.add(id, order);
        model.push({ id, order });
      } else {
        const gone = model.splice(random(model.length), 1)[0] as { id: string };
        line.remove(gone.id);
        expect(line.position(gone.id)).toBeUndefined();
      }
      if (step % 97 === 0) {
        const sorted = [...model].sort((a, b) => a.order - b.order);
        for (const [index, { id }] of sorted.entries()) expect(line.position(id)).toBe(index);
      }
    }
    expect(line.size).toBe(model.length);
    line.remove("never-added");
    expect(line.size).toBe(model.length);
  });
});
