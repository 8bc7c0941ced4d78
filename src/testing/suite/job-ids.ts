/**
 * The ids under which `../jobs.ts` registers the conformance jobs. Shared by the jobs module
 * (worker side) and the suite (web side), so the two cannot drift apart.
 */
export const JOB = {
  /** `[value]` → `value`. */
  echo: "conformance.echo",
  /** `[label, ms]` → `{ label, start, end, pid }` after sleeping `ms`. */
  stamp: "conformance.stamp",
  /** `[values, delayMs, holdMs]`: reports each value, then waits up to `holdMs` or until cancelled. */
  progress: "conformance.progress",
  /** `[steps]`: runs `["set", id, props]` and `["sleep", ms]` steps in order. */
  props: "conformance.props",
  /** `[maxMs]`: reports `{ pid }` as progress, then waits until cancelled; returns `"stopped"`. */
  waitCancel: "conformance.waitCancel",
  /** `[ms]`: reports progress and props every 5 ms for `ms`, ignoring cancel; returns `"finished"`. */
  stream: "conformance.stream",
  /** Reports `{ pid }` as progress, then blocks its process forever. */
  spin: "conformance.spin",
  /** `[message]`: throws `new Error(message)`. */
  throw: "conformance.throw",
  /** Throws `PreventUpdate`. */
  preventUpdate: "conformance.preventUpdate",
  /** Returns `noUpdate`. */
  noUpdate: "conformance.noUpdate",
  /** `[code, delayMs]`: calls `process.exit(code)` after `delayMs`. */
  exit: "conformance.exit",
  /** `(...args)` → `{ args, ctx }`. */
  ctx: "conformance.ctx",
  /** `[mode, ...rest]`: reports a fresh run id as props of `"run"`, then acts by mode. */
  random: "conformance.random",
  /** Returns at once, then reports progress 50 ms later. */
  lateProgress: "conformance.lateProgress",
  /** Calls `setProps` with a function as a prop value. */
  badProps: "conformance.badProps",
  /** Returns `undefined`. */
  undefined: "conformance.undefined",
  /** `[kind]`: returns a value that is not JSON (`"function"`, `"nan"`, `"map"`, …). */
  nonJson: "conformance.nonJson",
  /**
   * `[graceMs, file, maxMs]`: reports `{ pid, ppid }` as progress and waits for its signal; when it
   * aborts, writes the abort time to `file` and returns `graceMs` later, ignoring the cancel.
   */
  deadline: "conformance.deadline",
  /** `[mode, delayMs]`: returns at once, leaving a timer that throws (`"throw"`) or rejects (`"reject"`) later. */
  leftover: "conformance.leftover",
  /**
   * `[label, ms]`: every 10 ms until `ms` passed, reports `{ label, n, pid }` as progress and sets
   * `{ n }` on component `"w<label>.<n>"`; returns a stamp with `steps`, the last `n`. Ignores cancel.
   */
  work: "conformance.work",
} as const;

/** Modes of {@link JOB.leftover}. */
export type LeftoverMode = "throw" | "reject";

/** Modes of {@link JOB.random}. */
export type RandomMode = "result" | "throw" | "noUpdate" | "wait";

/**
 * Kinds of {@link JOB.nonJson}: values `JSON.stringify` would drop or mangle. (Values with
 * `toJSON`, such as dates, are JSON by the core's rules, and `undefined` properties are left out.)
 */
export const NON_JSON_KINDS = [
  "function",
  "nan",
  "infinity",
  "map",
  "classInstance",
  "cycle",
  "symbol",
  "bigint",
] as const;
