import assert from "node:assert/strict";
import type { JobContext, JobState, Json } from "../../manager/contract.js";
import { newJobId } from "../../manager/keys.js";
import {
  asStamp,
  assertOnlyOutcome,
  assertResult,
  outcomeOf,
  reportedPid,
  resultOf,
  submit,
  waitFor,
  withManager,
} from "./helpers.js";
import { JOB, NON_JSON_KINDS } from "./job-ids.js";
import type { Suite } from "./options.js";

const JSON_VALUES: readonly Json[] = [
  null,
  true,
  false,
  0,
  42,
  -17,
  3.25,
  -0.000123,
  1e300,
  Number.MAX_SAFE_INTEGER,
  "",
  "plain",
  'quotes " and \\ backslash\nnew line\ttab \u0000 nul',
  "unicode: é ñ ü — 中文 العربية 🚀👩‍👩‍👧",
  [],
  {},
  [1, "two", [3, [4, [5]]], { six: 6 }],
  { a: { b: { c: [null, true, { d: "deep" }] } }, "key with spaces": 1, "": "empty key" },
  "x".repeat(100_000),
];

function values(suite: Suite): void {
  suite.test("every JSON type round-trips", 60_000, async () => {
    await withManager(suite, { concurrency: 2 }, async (manager) => {
      const ids = await Promise.all(JSON_VALUES.map((value) => submit(manager, JOB.echo, [value])));
      for (const [i, jobId] of ids.entries()) {
        assertResult(await outcomeOf(manager, jobId, suite.scale(15_000)), JSON_VALUES[i] as Json, `value #${i}`);
      }
    });
  });

  suite.test("undefined becomes null; noUpdate and PreventUpdate give noUpdate", 30_000, async () => {
    await withManager(suite, {}, async (manager) => {
      const undef = await submit(manager, JOB.undefined);
      const noUpdate = await submit(manager, JOB.noUpdate);
      const prevent = await submit(manager, JOB.preventUpdate);
      assertResult(await outcomeOf(manager, undef, suite.scale(10_000)), null);
      assert.deepEqual(await outcomeOf(manager, noUpdate, suite.scale(10_000)), { kind: "noUpdate" });
      assert.deepEqual(await outcomeOf(manager, prevent, suite.scale(10_000)), { kind: "noUpdate" });
    });
  });
}

function inputs(suite: Suite): void {
  suite.test("arguments in order and the request context reach the job", 30_000, async () => {
    const context: JobContext = {
      triggered: [{ propId: "button.n_clicks", value: 3 }],
      inputs: { "button.n_clicks": 3 },
      states: { "input.value": "text" },
      cookies: { session: "abc" },
      headers: { "x-request-id": "r-1" },
      path: "/reports",
      extra: { user: { id: 7 } },
    };
    const args: Json[] = [1, "two", [3], { four: 4 }, null];
    await withManager(suite, {}, async (manager) => {
      const withContext = await submit(manager, JOB.ctx, args, { context });
      const without = await submit(manager, JOB.ctx, ["alone"]);
      assertResult(await outcomeOf(manager, withContext, suite.scale(10_000)), {
        args,
        ctx: context,
      } as unknown as Json);
      assertResult(await outcomeOf(manager, without, suite.scale(10_000)), { args: ["alone"], ctx: {} });
    });
  });
}

function failures(suite: Suite): void {
  suite.test("a throwing job gives an error with its message, and its worker runs the next job", 30_000, async () => {
    await withManager(suite, { concurrency: 1 }, async (manager) => {
      const message = `conformance failure ${newJobId()}`;
      const before = await submit(manager, JOB.stamp, ["before", 0]);
      const failing = await submit(manager, JOB.throw, [message]);
      const after = await submit(manager, JOB.stamp, ["after", suite.scale(50)]);
      const { pid } = asStamp(await resultOf(manager, before, suite.scale(10_000)));
      const outcome = await outcomeOf(manager, failing, suite.scale(10_000));
      assert.equal(outcome.kind, "error", `expected an error, got ${JSON.stringify(outcome)}`);
      assert.ok(outcome.message.includes(message), `the error message must carry the job's: ${outcome.message}`);
      assert.equal(asStamp(await resultOf(manager, after, suite.scale(10_000))).pid, pid, "the worker must survive");
    });
  });

  suite.test("a return value that is not JSON gives an error", 30_000, async () => {
    await withManager(suite, {}, async (manager) => {
      const ids = await Promise.all(NON_JSON_KINDS.map((kind) => submit(manager, JOB.nonJson, [kind])));
      for (const [i, jobId] of ids.entries()) {
        const outcome = await outcomeOf(manager, jobId, suite.scale(10_000));
        assert.equal(outcome.kind, "error", `returning ${NON_JSON_KINDS[i]} gave ${JSON.stringify(outcome)}`);
      }
    });
  });

  suite.test("an unknown callback id gives an error that names it", 30_000, async () => {
    await withManager(suite, {}, async (manager) => {
      const callbackId = `conformance.missing-${newJobId()}`;
      const outcome = await outcomeOf(manager, await submit(manager, callbackId), suite.scale(10_000));
      assert.equal(outcome.kind, "error", `expected an error, got ${JSON.stringify(outcome)}`);
      assert.ok(outcome.message.includes(callbackId), `the message must name the id: ${outcome.message}`);
    });
  });
}

function stickiness(suite: Suite): void {
  suite.test("the outcome is sticky and status is done", 30_000, async () => {
    await withManager(suite, {}, async (manager) => {
      const jobId = await submit(manager, JOB.echo, ["same"]);
      const outcome = await outcomeOf(manager, jobId, suite.scale(10_000));
      for (let i = 0; i < 3; i++) {
        assert.deepEqual(assertOnlyOutcome(await manager.take(jobId), `take #${i + 2}`), outcome);
        assert.equal(await manager.status(jobId), "done");
      }
    });
  });

  suite.test("status goes queued → running → done; unknown ids are unknown", 30_000, async () => {
    await withManager(suite, { concurrency: 1 }, async (manager) => {
      assert.equal(await manager.status(newJobId()), "unknown");
      const blocker = await submit(manager, JOB.waitCancel);
      const jobId = await submit(manager, JOB.stamp, ["watched", suite.scale(400)]);
      await reportedPid(manager, blocker, suite.scale(10_000));
      const seen: JobState[] = [await manager.status(jobId)];
      await manager.cancel(blocker);
      await waitFor(
        "the job to be done",
        async () => {
          const state = await manager.status(jobId);
          if (state !== seen.at(-1)) seen.push(state);
          return state === "done";
        },
        suite.scale(10_000),
        2,
      );
      assert.deepEqual(seen, ["queued", "running", "done"]);
    });
  });
}

/** Outcomes: JSON results, noUpdate, errors, stickiness, status. */
export function outcomesGroup(suite: Suite): void {
  suite.describe("outcomes", () => {
    values(suite);
    inputs(suite);
    failures(suite);
    stickiness(suite);
  });
}
