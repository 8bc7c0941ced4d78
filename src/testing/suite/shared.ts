import assert from "node:assert/strict";
import type { BackgroundCallbackManager, JobState, JobUpdate, Json } from "../../manager/contract.js";
import { assertOnlyOutcome, assertResult, isAlive, outcomeOf, reportedPid, sleep, submit, waitFor } from "./helpers.js";
import { JOB } from "./job-ids.js";
import type { Suite } from "./options.js";
import { type Peer, parentOf, probeCapabilities } from "./peers.js";
import { specOf, withLocalAndPeer, withPeers } from "./shared-scope.js";

/** How long a cancel may take to reach the process running the job, on top of the grace period. */
const CANCEL_REACH_MS = 2_000;
/** How long after the lease ends a dead or stalled process's job may still read other than `lost`. */
const LOST_SLACK_MS = 3_000;
const STATE_ORDER: readonly JobState[] = ["queued", "running", "done"];

/**
 * Shared managers (`capabilities.shared`), checked across OS processes: a second process opens the
 * same backend through the factory module, with the same namespace. Declares nothing for managers
 * that are not shared.
 */
export function sharedGroup(suite: Suite): void {
  const applies = sharedApplies(suite);
  if (applies === false) return;
  suite.describe("shared", () => {
    if (applies instanceof Error) {
      suite.test("the factory module opens the manager in another process", 30_000, async () =>
        assert.fail(applies.message),
      );
      return;
    }
    reading(suite);
    cancelling(suite);
    losing(suite);
    secretAndExpiry(suite);
  });
}

/**
 * Whether the shared tests apply: the factory's manager says `shared`. Without a factory nothing
 * applies here (the construction test asks for one); a factory that fails in another process is an Error.
 */
function sharedApplies(suite: Suite): boolean | Error {
  if (suite.factory === undefined) return false;
  try {
    return probeCapabilities(specOf(suite, {}), suite.scale(30_000)).shared === true;
  } catch (error) {
    return error as Error;
  }
}

/** Polls `reader` until the outcome, noting every state and progress value it saw. */
async function follow(suite: Suite, reader: BackgroundCallbackManager, jobId: string) {
  const states: JobState[] = [];
  const takes: JobUpdate[] = [];
  const outcome = await waitFor(
    `the outcome of job ${jobId}, read by the second process`,
    async () => {
      states.push(await reader.status(jobId));
      const update = await reader.take(jobId);
      if (Object.keys(update).length > 0) takes.push(update);
      return update.outcome;
    },
    suite.scale(20_000),
    20,
  );
  return { states, takes, outcome };
}

function assertInOrder(states: JobState[], what: string): void {
  const ranks = states.map((state) => STATE_ORDER.indexOf(state));
  assert.ok(
    !ranks.includes(-1),
    `${what}: a submitted job read ${JSON.stringify(states)} (unknown) from another process`,
  );
  assert.deepEqual(ranks, [...ranks].sort(), `${what}: states went backwards: ${JSON.stringify(states)}`);
}

function reading(suite: Suite): void {
  suite.test(
    "another process reads a job's states, progress and outcome; what it took is gone for both",
    60_000,
    async () => {
      await withLocalAndPeer(suite, {}, async (a, b) => {
        const jobId = await submit(a, JOB.progress, [["p1", "p2", "p3"], 50, 1_000]);
        const { states, takes, outcome } = await follow(suite, b, jobId);
        assertResult(outcome, "done", "a job read from another process");
        assertInOrder(states, "status() in another process");
        assert.ok(states.includes("running"), `another process never read "running": ${JSON.stringify(states)}`);
        const values = takes.flatMap((take) => ("progress" in take ? [take.progress as Json] : []));
        assert.equal(values.at(-1), "p3", `another process must read the newest progress: ${JSON.stringify(values)}`);
        assert.deepEqual(
          values,
          ["p1", "p2", "p3"].filter((v) => values.includes(v)),
          "progress out of order",
        );
        assertResult(assertOnlyOutcome(await a.take(jobId), "the submitting process after the other took all"), "done");
        assert.equal(await a.status(jobId), "done");
      });
    },
  );

  suite.test("another process reads every side update, merged, and the outcome", 60_000, async () => {
    await withLocalAndPeer(suite, {}, async (a, b) => {
      const steps = [
        ["set", "a", { x: 1 }],
        ["sleep", 50],
        ["set", "a", { y: 2 }],
        ["set", "b", { z: 3 }],
      ];
      const jobId = await submit(a, JOB.props, [steps]);
      const { takes, outcome } = await follow(suite, b, jobId);
      assertResult(outcome, "done", "a job read from another process");
      const merged: Record<string, Record<string, Json>> = {};
      for (const take of takes) {
        for (const [id, props] of Object.entries(take.sideUpdates ?? {})) merged[id] = { ...merged[id], ...props };
      }
      assert.deepEqual(merged, { a: { x: 1, y: 2 }, b: { z: 3 } }, "side updates read by another process");
      assertResult(assertOnlyOutcome(await a.take(jobId), "the submitting process after the other took all"), "done");
    });
  });
}

function cancelling(suite: Suite): void {
  const graceMs = 200;
  suite.test(
    `a cancel from another process kills the job's process within cancelGraceMs + ${CANCEL_REACH_MS} ms`,
    60_000,
    async () => {
      await withLocalAndPeer(suite, { cancelGraceMs: graceMs }, async (a, b) => {
        const jobId = await submit(a, JOB.spin);
        const pid = await reportedPid(b, jobId, suite.scale(15_000));
        await b.cancel(jobId);
        await waitFor(
          `the process of job ${jobId} (pid ${pid}) to be killed after a cancel from another process: the cancel must reach the process that runs the job`,
          () => !isAlive(pid),
          suite.scale(graceMs + CANCEL_REACH_MS),
        );
        for (const [name, manager] of [
          ["the cancelling process", b],
          ["the submitting process", a],
        ] as const) {
          assert.deepEqual(await outcomeOf(manager, jobId, suite.scale(5_000)), { kind: "cancelled" }, name);
          assert.equal(await manager.status(jobId), "done", name);
        }
      });
    },
  );

  suite.test("a queued job cancelled from another process never starts; the job behind it runs", 60_000, async () => {
    await withLocalAndPeer(suite, {}, async (a, b) => {
      // One blocker per process that may run jobs: the queued job cannot start while they run.
      const blockers = [await submit(a, JOB.waitCancel, [60_000]), await submit(a, JOB.waitCancel, [60_000])];
      const queued = await submit(a, JOB.random, ["result"]);
      const behind = await submit(a, JOB.echo, ["behind"]);
      await b.cancel(queued);
      const seen = new Set<JobState>();
      let sampling = true;
      const sampler = (async () => {
        while (sampling) seen.add(await b.status(queued));
      })();
      try {
        for (const blocker of blockers) await a.cancel(blocker);
        assertResult(await outcomeOf(b, behind, suite.scale(15_000)), "behind", "the job behind the cancelled one");
      } finally {
        sampling = false;
        await sampler;
      }
      assert.ok(!seen.has("running"), `a cancelled queued job read "running": ${JSON.stringify([...seen])}`);
      for (const [name, manager] of [
        ["the cancelling process", b],
        ["the submitting process", a],
      ] as const) {
        assert.deepEqual(assertOnlyOutcome(await manager.take(queued), name), { kind: "cancelled" }, name);
      }
    });
  });
}

/** The process (of the two) whose worker runs the job, and the other one. */
async function ownerOf(peers: readonly Peer[], pid: number): Promise<{ owner: Peer; other: Peer }> {
  const parent = await parentOf(pid);
  const owner = peers.find((peer) => peer.pid === parent);
  assert.ok(
    owner,
    `the job's process (pid ${pid}) is a child of process ${parent}, which is neither process that opened the manager; the shared tests need the process that opens the manager to run its jobs`,
  );
  return { owner, other: peers.find((peer) => peer !== owner) as Peer };
}

function losing(suite: Suite): void {
  const bound = (): number => suite.scale(suite.leaseMs + LOST_SLACK_MS);
  suite.test(
    `the process running a job is SIGKILLed: another process reads lost within leaseMs + ${LOST_SLACK_MS} ms`,
    90_000,
    async () => {
      await withPeers(suite, {}, async (peers) => {
        const jobId = await submit(peers[0], JOB.waitCancel, [60_000]);
        const pid = await reportedPid(peers[1], jobId, suite.scale(15_000));
        const { owner, other } = await ownerOf(peers, pid);
        owner.signal("SIGKILL");
        await owner.exited();
        const outcome = await outcomeOf(other, jobId, bound());
        assert.equal(
          outcome.kind,
          "lost",
          `a job whose process was killed must end lost, got ${JSON.stringify(outcome)}`,
        );
        assert.equal(await other.status(jobId), "done");
        await waitFor(
          `the job's process (pid ${pid}) to die with the killed one`,
          () => !isAlive(pid),
          suite.scale(5_000),
        );
      });
    },
  );

  suite.test(
    "a process stalled past its lease (SIGSTOP): lost for every process, and after SIGCONT never a result",
    90_000,
    async () => {
      await withPeers(suite, {}, async (peers) => {
        // Returns a result after leaseMs: by then the owner is stopped, and it learns of the end on SIGCONT.
        const jobId = await submit(peers[0], JOB.waitCancel, [suite.leaseMs]);
        const pid = await reportedPid(peers[1], jobId, suite.scale(15_000));
        const { owner, other } = await ownerOf(peers, pid);
        owner.signal("SIGSTOP");
        const lost = await outcomeOf(other, jobId, bound());
        assert.equal(
          lost.kind,
          "lost",
          `a job whose process stalled past its lease must end lost, got ${JSON.stringify(lost)}`,
        );
        owner.signal("SIGCONT");
        const until = Date.now() + suite.scale(2_000);
        while (Date.now() < until) {
          for (const [name, manager] of [
            ["the resumed process", owner],
            ["the other process", other],
          ] as const) {
            const { outcome } = await manager.take(jobId);
            assert.equal(outcome?.kind, "lost", `once lost, always lost: ${name} read ${JSON.stringify(outcome)}`);
            assert.equal(await manager.status(jobId), "done", name);
          }
          await sleep(50);
        }
      });
    },
  );
}

function secretAndExpiry(suite: Suite): void {
  suite.test("sharedSecret() is one value in both processes, even when both ask first at once", 60_000, async () => {
    await withLocalAndPeer(suite, {}, async (a, b) => {
      assert.equal(
        typeof a.sharedSecret,
        "function",
        "a shared manager must implement sharedSecret(): web processes sign job handles with it, and must agree on one",
      );
      const secrets = await Promise.all([a.sharedSecret?.(), b.sharedSecret()]);
      assert.equal(typeof secrets[0], "string");
      assert.ok((secrets[0] as string).length >= 16, "the shared secret is too short to sign with");
      assert.equal(secrets[1], secrets[0], "two processes on one backend read different secrets");
      assert.deepEqual(await Promise.all([b.sharedSecret(), a.sharedSecret?.()]), secrets, "the secret changed");
    });
  });

  suite.test("an ended job's record expires after ttlMs for both processes", 60_000, async () => {
    const ttlMs = suite.scale(1_000);
    await withLocalAndPeer(suite, { ttlMs }, async (a, b) => {
      const jobId = await submit(a, JOB.echo, ["kept for a while"]);
      assertResult(await outcomeOf(b, jobId, suite.scale(15_000)), "kept for a while");
      assert.equal(await a.status(jobId), "done", "the record is there right after the end");
      await waitFor(
        "the record to expire",
        async () => (await b.status(jobId)) === "unknown",
        ttlMs + suite.scale(5_000),
        100,
      );
      for (const [name, manager] of [
        ["the submitting process", a],
        ["the other process", b],
      ] as const) {
        assert.equal(await manager.status(jobId), "unknown", `${name} still reads the record after ttlMs`);
        assert.deepEqual(await manager.take(jobId), {}, `${name}: an expired job's take is empty`);
      }
    });
  });
}
