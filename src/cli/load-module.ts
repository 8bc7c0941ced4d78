import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ROLE_ENV } from "../worker/role.js";
import { EXIT } from "./args.js";
import { messageOf } from "./log.js";
import { followParent, needsTsLoader, reexecWithTsx } from "./reexec.js";

/** An app module as a command loaded it: its exports, or the exit code the command ends with. */
export type LoadedModule = { readonly exported: Record<string, unknown> } | { readonly exitCode: number };

/**
 * Loads the app module named on the command line in the queue-worker role, so that its top-level
 * `app.run()` serves nothing. A TypeScript module runs the whole command again under tsx, in a
 * child process whose exit code is the command's. Missing or failing modules are reported on
 * `error` with the exit code to end with.
 */
export async function loadAppModule(
  module: string,
  argv: readonly string[],
  error: (text: string) => void,
): Promise<LoadedModule> {
  const file = resolve(module);
  if (!existsSync(file)) {
    error(`background-callbacks: Cannot find the app module "${module}" (looked for ${file})`);
    return { exitCode: EXIT.moduleNotLoaded };
  }
  if (needsTsLoader(file)) {
    try {
      return { exitCode: await reexecWithTsx(file, argv) };
    } catch (failure) {
      error(`background-callbacks: ${messageOf(failure)}`);
      return { exitCode: EXIT.failed };
    }
  }
  followParent();
  // Before the import: the app's top-level code (app.run()) must see that it serves nothing.
  process.env[ROLE_ENV] = "queue-worker";
  try {
    return { exported: (await import(pathToFileURL(file).href)) as Record<string, unknown> };
  } catch (failure) {
    const detail = failure instanceof Error ? (failure.stack ?? failure.message) : String(failure);
    error(`background-callbacks: The app module "${module}" failed to load:\n${detail}`);
    return { exitCode: EXIT.moduleNotLoaded };
  }
}
