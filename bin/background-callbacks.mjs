#!/usr/bin/env node
// The `background-callbacks` command. An installed package runs its build, dist/cli.js. A clone of
// the repository has no dist/ until `npm run build`, so the command runs src/cli.ts through tsx
// (a devDependency), in a child process that owns the terminal's signals the way the built one would.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { constants } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const built = join(root, "dist", "cli.js");
const source = join(root, "src", "cli.ts");
// The CLI reads this to know it already runs under tsx and follows this process's lifetime.
const REEXEC_ENV = "BACKGROUND_CALLBACKS_CLI_REEXEC";

function tsxLoader() {
  try {
    const pkg = createRequire(join(root, "package.json")).resolve("tsx/package.json");
    return pathToFileURL(join(dirname(pkg), "dist", "loader.mjs")).href;
  } catch {
    return undefined;
  }
}

function fail(message) {
  process.stderr.write(`[background-callbacks:cli] ${message}\n`);
  process.exit(1);
}

function runSource(loader) {
  const args = process.argv.slice(2);
  // The worker watches the IPC channel to stop when this process dies; an open channel would only
  // hold up the exit of the other commands.
  const stdio = args.includes("worker") ? ["inherit", "inherit", "inherit", "ipc"] : "inherit";
  // Its own process group, so a terminal's Ctrl-C reaches the CLI once: from here.
  const child = spawn(process.execPath, [...process.execArgv, "--import", loader, source, ...args], {
    stdio,
    detached: true,
    env: { ...process.env, [REEXEC_ENV]: "1" },
  });
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"]) process.on(signal, () => child.kill(signal));
  child.once("error", (error) => fail(`Cannot start ${source}: ${error.message}`));
  child.once("exit", (code, signal) => process.exit(code ?? 128 + (signal ? constants.signals[signal] : 0)));
}

if (existsSync(built)) {
  await import(pathToFileURL(built).href);
} else if (!existsSync(source)) {
  fail(`${built} is missing: reinstall the package`);
} else {
  const loader = tsxLoader();
  if (loader === undefined) {
    fail(`${built} is missing and tsx is not installed to run ${source}: run \`npm install\` or \`npm run build\``);
  }
  runSource(loader);
}
