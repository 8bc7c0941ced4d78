import { type ChildProcess, fork } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { BackgroundCallbackError } from "../errors.js";
import { MODULE_ENV } from "./protocol.js";
import { ROLE_ENV } from "./role.js";

const TS_FILE = /\.[cm]?tsx?$/;

/** The worker entry: `child.ts` next to this file in a source checkout, the built one otherwise. */
export function childEntry(): string {
  const here = fileURLToPath(import.meta.url);
  const candidates = [
    join(dirname(here), "child.ts"),
    join(dirname(here), "child.js"),
    join(dirname(here), "worker-child.js"),
  ];
  const found = candidates.find((file) => existsSync(file));
  if (found === undefined) {
    throw new BackgroundCallbackError(
      "WORKER_START_FAILED",
      `[background-callbacks:worker] Cannot find the worker entry next to ${here}; reinstall background-callbacks`,
    );
  }
  return found;
}

/** Resolves tsx's loader from the app's folder, the working directory, or this package. */
export function tsxLoader(module: string): string {
  const bases = [module, join(process.cwd(), "package.json"), fileURLToPath(import.meta.url)];
  for (const base of bases) {
    try {
      const pkg = createRequire(base).resolve("tsx/package.json");
      return pathToFileURL(join(dirname(pkg), "dist", "loader.mjs")).href;
    } catch {
      // try the next place
    }
  }
  throw new BackgroundCallbackError(
    "DEPENDENCY_MISSING",
    `[background-callbacks:worker] Cannot load the TypeScript module "${module}" in a worker: tsx is not installed. Run \`npm install --save-dev tsx\`, or build the app to JavaScript`,
  );
}

/**
 * The Node flags of a worker process: the parent's (so a loader such as tsx carries over),
 * without debugger flags, plus tsx when TypeScript must be loaded and no loader is present.
 */
export function workerExecArgv(module: string, entry: string): string[] {
  const inherited = process.execArgv.filter((arg) => !/^--inspect|^--debug/.test(arg));
  const needsTs = TS_FILE.test(module) || TS_FILE.test(entry);
  const hasTsx = inherited.some((arg) => arg.includes("tsx"));
  return needsTs && !hasTsx ? [...inherited, "--import", tsxLoader(module)] : inherited;
}

/** Resolves a module given as a path or `file:` URL to an absolute path. */
export function resolveModule(module: string): string {
  return module.startsWith("file:") ? fileURLToPath(module) : resolve(module);
}

/** Starts one worker process for `module`, with the worker role marker set. */
export function forkWorker(module: string, env: Record<string, string> = {}): ChildProcess {
  const entry = childEntry();
  return fork(entry, [], {
    execArgv: workerExecArgv(module, entry),
    env: { ...process.env, ...env, [ROLE_ENV]: "worker", [MODULE_ENV]: module },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
    serialization: "json",
  });
}
