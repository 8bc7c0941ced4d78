import { describe, it } from "vitest";
import { MemoryManager, runConformanceSuite } from "background-callbacks/testing";

runConformanceSuite({ name: "MemoryManager", describe, it, create: (options) => new MemoryManager(options) });
