import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import type { BackgroundCallbackManager } from "../../manager/contract.js";
import { settlesWithin, waitFor } from "./helpers.js";
import type { Suite } from "./options.js";

const activeHandles = (): number =>
  (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles().length;

/** How one kind of watch is started and ended, for {@link leaveNothing}. */
export interface WatchKind {
  /** What the messages call them: "watches", "queue watches". */
  readonly what: string;
  /** Starts the `i`th aborted watch on `signal`; the watches that news ends all start with `i` = 0. */
  start(signal: AbortSignal, i: number): Promise<void>;
  /** What ends every pending watch (news), and its name in the messages: "a cancel". */
  readonly endedBy: string;
  end(): Promise<void>;
}

/**
 * 10,000 watches aborted, then 10,000 on one signal ended by news: each must resolve, and none may
 * leave an abort listener, a handle or a count in `manager.watching` behind.
 */
export async function leaveNothing(suite: Suite, manager: BackgroundCallbackManager, kind: WatchKind): Promise<void> {
  const { what } = kind;
  const handles = activeHandles();
  const controllers = Array.from({ length: 10_000 }, () => new AbortController());
  const aborted = controllers.map((controller, i) => kind.start(controller.signal, i));
  for (const controller of controllers) controller.abort();
  assert.ok(await settlesWithin(Promise.all(aborted), suite.scale(20_000)), `aborted ${what} must resolve`);
  const shared = new AbortController().signal;
  const ended = Array.from({ length: 10_000 }, () => kind.start(shared, 0));
  await kind.end();
  assert.ok(await settlesWithin(Promise.all(ended), suite.scale(20_000)), `${kind.endedBy} must end 10,000 ${what}`);
  assert.equal(getEventListeners(shared, "abort").length, 0, `${what} ended by news left abort listeners`);
  await waitFor(`the handles of 20,000 ${what} to go`, () => activeHandles() <= handles + 2, suite.scale(10_000), 50);
  const count = (manager as unknown as { watching?: unknown }).watching;
  if (typeof count === "number") assert.equal(count, 0, `the manager still counts pending ${what}`);
}
