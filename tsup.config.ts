import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { defineConfig } from "tsup";

interface PackageJson {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const pkg = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8")) as PackageJson;

// Never bundled: users install these (optional peers), and tsx is resolved at run time by path.
const external = [
  ...Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies, ...pkg.optionalDependencies }),
  "keyv",
  "@keyv/sqlite",
  "bullmq",
  "ioredis",
  "tsx",
];

/**
 * Files that compiled code finds at run time by looking next to itself (see `childEntry` in
 * src/worker/spawn.ts, `jobsModule` in src/testing/jobs-module.ts and `peerEntry` in
 * src/testing/suite/peers.ts). Each must sit in the same folder as every output file that names it, so an entry under dist/managers/ must never inline
 * that code: it has to stay in a shared chunk, which esbuild writes to dist/.
 */
const LOOKED_UP_NEXT_TO_CODE = ["worker-child.js", "testing-jobs.js", "testing-peer.js"];

function outputFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "types" ? [] : outputFiles(path);
    return entry.name.endsWith(".js") ? [path] : [];
  });
}

/** Fails the build when a file that looks up a sibling was placed where the sibling is not. */
function checkSiblings(outDir: string): void {
  const misplaced = outputFiles(outDir).flatMap((file) => {
    const code = readFileSync(file, "utf8");
    return LOOKED_UP_NEXT_TO_CODE.filter((name) => code.includes(`"${name}"`))
      .filter((name) => !existsSync(join(dirname(file), name)))
      .map((name) => `${relative(outDir, file)} looks for ${name} next to itself, but it is not there`);
  });
  if (misplaced.length > 0) {
    throw new Error(`[background-callbacks:build] Misplaced output:\n  ${misplaced.join("\n  ")}`);
  }
}

export default defineConfig({
  entry: {
    index: "src/index.ts",
    testing: "src/testing/index.ts",
    "testing-jobs": "src/testing/jobs.ts",
    "testing-peer": "src/testing/peer.ts",
    "worker-child": "src/worker/child.ts",
    "managers/disk": "managers/disk/index.ts",
    "managers/queue": "managers/queue/index.ts",
    cli: "src/cli.ts",
  },
  outDir: "dist",
  format: ["esm"],
  platform: "node",
  target: "node20",
  // Types come from `tsc -p tsconfig.build.json` (into dist/types), run after tsup.
  dts: false,
  // One copy of shared modules (the job registry, the worker pool) for all entries.
  splitting: true,
  // Chunks stay in dist/, next to worker-child.js and testing-jobs.js (see LOOKED_UP_NEXT_TO_CODE).
  esbuildOptions(options) {
    options.chunkNames = "chunk-[hash]";
  },
  // tsup strips `node:` by default, which breaks modules that exist only with it (node:test, node:sqlite).
  removeNodeProtocol: false,
  external,
  sourcemap: false,
  clean: true,
  shims: false,
  async onSuccess() {
    checkSiblings("dist");
  },
});
