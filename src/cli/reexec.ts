import { spawn } from "node:child_process";
import { constants } from "node:os";
import { tsxLoader } from "../worker/spawn.js";

/** Set in the environment of the copy of the CLI started with tsx, so it never starts another. */
export const REEXEC_ENV = "BACKGROUND_CALLBACKS_CLI_REEXEC";

const TS_FILE = /\.[cm]?tsx?$/;

/** Whether importing `module` needs a TypeScript loader that this process lacks. */
export function needsTsLoader(module: string): boolean {
  if (!TS_FILE.test(module) || process.env[REEXEC_ENV] === "1") return false;
  return !process.execArgv.some((arg) => arg.includes("tsx"));
}

/**
 * Runs this CLI again with tsx's loader (`node --import <tsx> <cli> ...argv`) and resolves with its
 * exit code. The copy runs in its own process group, so a terminal's Ctrl-C reaches it once (from
 * here); SIGTERM and SIGINT are passed on, and the copy exits if this process dies.
 * @throws `DEPENDENCY_MISSING` when tsx cannot be found.
 */
export function reexecWithTsx(module: string, argv: readonly string[]): Promise<number> {
  const loader = tsxLoader(module);
  const entry = process.argv[1] as string;
  const child = spawn(process.execPath, [...process.execArgv, "--import", loader, entry, ...argv], {
    stdio: ["inherit", "inherit", "inherit", "ipc"],
    detached: true,
    env: { ...process.env, [REEXEC_ENV]: "1" },
  });
  const forward = (signal: NodeJS.Signals) => () => {
    child.kill(signal);
  };
  process.on("SIGTERM", forward("SIGTERM"));
  process.on("SIGINT", forward("SIGINT"));
  return new Promise((resolve) => {
    child.once("error", () => resolve(1));
    child.once("exit", (code, signal) => resolve(code ?? 128 + (signal ? constants.signals[signal] : 0)));
  });
}

/** In the copy started by {@link reexecWithTsx}: exit when the parent is gone. */
export function followParent(): void {
  if (process.env[REEXEC_ENV] !== "1" || process.channel === undefined) return;
  process.channel.unref();
  process.once("disconnect", () => process.exit(1));
}
