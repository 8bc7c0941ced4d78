import { runConformanceSuite } from "background-callbacks/testing";
import { describe, it } from "vitest";

runConformanceSuite({ name: "MapManager", describe, it, factory: new URL("./map-factory.ts", import.meta.url) });
