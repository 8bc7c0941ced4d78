import { MemoryManager, runConformanceSuite } from "background-callbacks/testing";
import { describe, it } from "vitest";

runConformanceSuite({ name: "MemoryManager", describe, it, create: (options) => new MemoryManager(options) });
