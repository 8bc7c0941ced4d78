/**
 * Stable error codes. Each one has a heading in `docs/errors.md`.
 *
 * - `MANAGER_CLOSED`: the manager was closed; create a new one.
 * - `NOT_SUPPORTED`: the manager's `capabilities` say it cannot do this.
 * - `JOB_NOT_FOUND`: no job function is registered under that callback id.
 * - `BACKEND`: the storage or queue backend failed (see `cause`).
 * - `DEPENDENCY_MISSING`: an optional peer dependency is not installed.
 * - `WORKER_START_FAILED`: a worker process could not load the app module.
 * - `WRONG_ROLE`: a web-only operation was called inside a worker process.
 * - `INVALID_ARGUMENT`: set on the `TypeError`s thrown for bad input.
 */
export type ErrorCode =
  | "MANAGER_CLOSED"
  | "NOT_SUPPORTED"
  | "JOB_NOT_FOUND"
  | "BACKEND"
  | "DEPENDENCY_MISSING"
  | "WORKER_START_FAILED"
  | "WRONG_ROLE";

/**
 * The one error class of the library. `code` is stable across versions; the message names the
 * part, the value and the fix.
 *
 * @example
 * ```ts
 * try { await manager.submit(job) } catch (error) {
 *   if (error instanceof BackgroundCallbackError && error.code === "MANAGER_CLOSED") reconnect();
 * }
 * ```
 */
export class BackgroundCallbackError extends Error {
  /** Stable string code, see {@link ErrorCode}. */
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "BackgroundCallbackError";
    this.code = code;
  }
}

/** A `TypeError` for a programmer mistake, tagged with `code: "INVALID_ARGUMENT"`. */
export interface InvalidArgumentError extends TypeError {
  readonly code: "INVALID_ARGUMENT";
}

/** Builds the `TypeError` thrown for bad input: `[background-callbacks:part] message`. */
export function invalidArgument(part: string, message: string): InvalidArgumentError {
  const error = new TypeError(`[background-callbacks:${part}] ${message}`) as TypeError & {
    code: string;
  };
  error.code = "INVALID_ARGUMENT";
  return error as InvalidArgumentError;
}

/** Describes a value for an error message: `` `0` (number) ``. */
export function describeValue(value: unknown): string {
  let shown: string;
  try {
    shown =
      typeof value === "number" && !Number.isFinite(value)
        ? String(value)
        : typeof value === "string"
          ? JSON.stringify(value)
          : String(JSON.stringify(value));
  } catch {
    shown = String(value);
  }
  if (shown === "undefined") shown = String(value);
  if (shown.length > 60) shown = `${shown.slice(0, 57)}...`;
  const type = value === null ? "null" : Array.isArray(value) ? "array" : typeof value;
  return `\`${shown}\` (${type})`;
}

/** Returns whether `error` is a {@link BackgroundCallbackError} with the given code. */
export function isErrorCode(error: unknown, code: ErrorCode): error is BackgroundCallbackError {
  return error instanceof BackgroundCallbackError && error.code === code;
}
