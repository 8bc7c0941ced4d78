import { runConformanceSuite } from "background-callbacks/testing";
import { describe, it } from "vitest";

runConformanceSuite({
  name: "MemoryManager",
  describe,
  it,
  factory: new URL("../fixtures/conformance/memory-factory.ts", import.meta.url),
});
