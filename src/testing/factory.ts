/**
 * How the suite, its job module and its second processes reach the manager under test: through
 * the factory module the author names, exactly as worker processes reach an app's managers through
 * the app module. Free of side effects: the job module and the peer entry import it.
 *
 * @packageDocumentation
 */
import { existsSync } from "node:fs";
import { isAbsolute } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { describeValue, invalidArgument } from "../errors.js";
import type { BackgroundCallbackManager } from "../manager/contract.js";
import { tsxLoader } from "../worker/spawn.js";
import type { ConformanceManagerOptions } from "./suite/options.js";

/** What a factory module exports as `default` (or as `create`). */
export type ManagerFactory = (
  options: ConformanceManagerOptions,
) => BackgroundCallbackManager | Promise<BackgroundCallbackManager>;

/**
 * Environment variable the suite sets before it creates a manager: `{ module, options }` as JSON.
 * Worker processes inherit it, so the job module constructs the same manager as the test did.
 */
export const FACTORY_ENV = "BACKGROUND_CALLBACKS_CONFORMANCE_FACTORY";

/** The job that reports how constructing the manager inside a worker process went. */
export const CONSTRUCT_JOB = "conformance.construct";

/** Prefix of the line the peer entry prints for `--capabilities`, unlike anything a factory logs. */
export const CAPABILITIES_LINE = "background-callbacks:capabilities ";

/** What {@link FACTORY_ENV} holds. */
export interface FactorySpec {
  /** The factory module as a `file:` URL. */
  readonly module: string;
  readonly options: ConformanceManagerOptions;
}

/** Checks the `factory` option and returns it as a `file:` URL. */
export function factoryUrl(factory: unknown): string {
  const text = factory instanceof URL ? factory.href : factory;
  const path =
    typeof text !== "string"
      ? undefined
      : text.startsWith("file:")
        ? fileURLToPath(text)
        : isAbsolute(text)
          ? text
          : "";
  if (path === undefined || path === "") {
    throw invalidArgument(
      "testing",
      `Expected \`factory\` to be the absolute path or file: URL of the module that exports your manager's factory (e.g. \`new URL("./factory.ts", import.meta.url)\`), got ${describeValue(factory)}`,
    );
  }
  if (!existsSync(path)) {
    throw invalidArgument("testing", `Expected \`factory\` to name an existing module, got "${path}" (not found)`);
  }
  return pathToFileURL(path).href;
}

/** The spec the suite set for this process, if any. */
export function factorySpec(): FactorySpec | undefined {
  const text = process.env[FACTORY_ENV];
  return text ? (JSON.parse(text) as FactorySpec) : undefined;
}

/** Sets the spec that processes started from now on construct their manager from. */
export function setFactorySpec(spec: FactorySpec | undefined): void {
  if (spec === undefined) delete process.env[FACTORY_ENV];
  else process.env[FACTORY_ENV] = JSON.stringify(spec);
}

/**
 * Imports the factory module and returns its factory. A TypeScript module in a process without a
 * TypeScript loader gets tsx's, as worker processes do.
 * @throws `INVALID_ARGUMENT` when the module exports no function as `default` or `create`.
 */
export async function importFactory(module: string): Promise<ManagerFactory> {
  let exports: Record<string, unknown>;
  try {
    exports = await import(module);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ERR_UNKNOWN_FILE_EXTENSION") throw error;
    await import(tsxLoader(fileURLToPath(module)));
    // Node keeps the failed load under the plain URL: ask again under another one.
    exports = await import(`${module}?tsx`);
  }
  const factory = typeof exports.default === "function" ? exports.default : exports.create;
  if (typeof factory !== "function") {
    throw invalidArgument(
      "testing",
      `Expected the factory module "${fileURLToPath(module)}" to export a function as \`default\` (or \`create\`), got ${describeValue(factory)}`,
    );
  }
  return factory as ManagerFactory;
}
