import { type ConformanceOptions, conformanceGroups, MemoryManager } from "background-callbacks/testing";
import { describe, it } from "vitest";

// capabilities.caching is false: the caching tests must assert NOT_SUPPORTED, not skip.
const options: ConformanceOptions = {
  name: "MemoryManager({ caching: false })",
  describe,
  it,
  create: (settings) => new MemoryManager({ ...settings, caching: false }),
};
conformanceGroups.caching(options);
conformanceGroups.lifecycle(options);
