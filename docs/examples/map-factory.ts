import type { ConformanceManagerOptions } from "background-callbacks/testing";
import { MapManager } from "./minimal-manager.js";

// The suite calls this in the test process, and at import in every worker process, as an app
// module constructs its managers there. A shared manager opens `options.namespace` as its backend.
export default function create(options: ConformanceManagerOptions): MapManager {
  return new MapManager(options);
}
