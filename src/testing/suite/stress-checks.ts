import { isDeepStrictEqual } from "node:util";
import type { JobOutcome, JobState, Json } from "../../manager/contract.js";
import type { Tracked } from "./stress-plan.js";

/** What the `work` job returns. */
interface WorkStamp {
  readonly label: number;
  readonly start: number;
  readonly steps: number;
}

/** Broken invariants by rule: each rule's examples, one line each. */
export type Problems = Map<string, string[]>;

function complain(problems: Problems, rule: string, detail: string): void {
  problems.set(rule, [...(problems.get(rule) ?? []), detail]);
}

const name = (job: Tracked): string => `job ${job.index} (${job.role}${job.cancel ? `, cancel ${job.cancel}` : ""})`;

/** The outcome every poller read, or a complaint. */
function oneOutcome(job: Tracked, pollers: number, problems: Problems): JobOutcome | undefined {
  const outcomes = job.takes.flatMap((take) => (take.update.outcome ? [take.update.outcome] : []));
  const [first] = outcomes;
  if (first === undefined) {
    complain(problems, "every job ends", `${name(job)}: no outcome`);
    return undefined;
  }
  const other = outcomes.find((outcome) => !isDeepStrictEqual(outcome, first));
  if (other)
    complain(
      problems,
      "one outcome, read alike",
      `${name(job)}: two outcomes, ${JSON.stringify(first)} and ${JSON.stringify(other)}`,
    );
  for (let poller = 0; poller < pollers; poller++) {
    if (!job.done[poller])
      complain(problems, "every poller gets the outcome", `${name(job)}: poller ${poller} never got the outcome`);
  }
  return first;
}

/** Which outcome kinds the job may end with. */
function allowedKinds(job: Tracked): readonly string[] {
  if (job.role === "kill") return ["lost"];
  return job.cancel ? ["result", "cancelled"] : ["result"];
}

/** Side updates: each at most once, only the job's own, all of them when it returned a result. */
function checkSideUpdates(job: Tracked, outcome: JobOutcome, problems: Problems): void {
  const counts = new Map<string, number>();
  for (const take of job.takes) {
    for (const id of Object.keys(take.update.sideUpdates ?? {})) counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  const twice = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
  if (twice.length > 0)
    complain(
      problems,
      "each side update once",
      `${name(job)}: side updates delivered twice: ${twice.slice(0, 5).join(", ")}`,
    );
  const foreign = [...counts.keys()].filter((id) => !id.startsWith(`w${job.index}.`));
  if (foreign.length > 0)
    complain(
      problems,
      "only the job's own side updates",
      `${name(job)}: side updates of another job: ${foreign.slice(0, 5).join(", ")}`,
    );
  if (outcome.kind !== "result") return;
  const { steps } = outcome.value as unknown as WorkStamp;
  const missing = Array.from({ length: steps }, (_, i) => `w${job.index}.${i + 1}`).filter((id) => !counts.has(id));
  if (missing.length > 0)
    complain(
      problems,
      "every side update of a job that returned",
      `${name(job)}: ${missing.length} of ${steps} side updates never delivered`,
    );
}

/** Progress: the job's own, and rising for each poller. */
function checkProgress(job: Tracked, problems: Problems): void {
  const last = new Map<number, number>();
  for (const take of job.takes) {
    if (take.update.progress === undefined) continue;
    const { label, n } = take.update.progress as { label?: Json; n?: number };
    if (label !== job.index)
      complain(
        problems,
        "only the job's own progress",
        `${name(job)}: progress of another job ${JSON.stringify(label)}`,
      );
    const before = last.get(take.poller) ?? 0;
    if (typeof n !== "number" || n <= before) {
      complain(
        problems,
        "progress rises",
        `${name(job)}: poller ${take.poller} took progress ${String(n)} after ${before}`,
      );
    }
    last.set(take.poller, Number(n));
  }
}

/** Nothing is taken after the outcome was first returned, nor after a cancel that stuck. */
function checkNothingAfter(job: Tracked, outcome: JobOutcome, problems: Problems): void {
  const ended = Math.min(...job.takes.filter((t) => t.update.outcome).map((t) => t.returnedAt));
  const cancelled = outcome.kind === "cancelled" && job.cancelledAt !== undefined ? job.cancelledAt : ended;
  const since = Math.min(ended, cancelled);
  const late = job.takes.filter(
    (t) => t.calledAt > since && (t.update.progress !== undefined || t.update.sideUpdates !== undefined),
  );
  if (late.length > 0) {
    const after = since === ended ? "after its outcome" : "after cancel() resolved";
    complain(
      problems,
      "nothing after the outcome or a cancel",
      `${name(job)}: ${late.length} take(s) with progress or side updates ${after}`,
    );
  }
}

/** Jobs that ran started in call order, give or take `tolerance` ms between processes. */
function checkFifo(jobs: readonly Tracked[], results: Map<Tracked, WorkStamp>, tolerance: number, problems: Problems) {
  let latest: { index: number; start: number } | undefined;
  for (const job of jobs) {
    const stamp = results.get(job);
    if (stamp === undefined) continue;
    if (latest && stamp.start < latest.start - tolerance) {
      const lead = Math.round(latest.start - stamp.start);
      complain(problems, "FIFO starts", `${name(job)} started ${lead} ms before job ${latest.index}, called before it`);
    }
    if (latest === undefined || stamp.start > latest.start) latest = { index: job.index, start: stamp.start };
  }
}

/** The rules for one job; returns its stamp when it returned its own result. */
function checkJob(job: Tracked, state: JobState | undefined, pollers: number, problems: Problems) {
  if (state !== "done") {
    complain(problems, "status is done after the outcome", `${name(job)}: status ${String(state)}`);
  }
  const outcome = oneOutcome(job, pollers, problems);
  if (outcome === undefined) return undefined;
  if (!allowedKinds(job).includes(outcome.kind)) {
    const expected = allowedKinds(job).join(" or ");
    const rule = "no lost but the killed job; a result unless cancelled";
    complain(problems, rule, `${name(job)}: ended ${JSON.stringify(outcome)}, expected ${expected}`);
  }
  checkSideUpdates(job, outcome, problems);
  checkProgress(job, problems);
  checkNothingAfter(job, outcome, problems);
  if (outcome.kind !== "result") return undefined;
  const stamp = outcome.value as unknown as WorkStamp;
  if (stamp?.label === job.index) return stamp;
  complain(problems, "the job's own result", `${name(job)}: the result of another job ${JSON.stringify(stamp)}`);
  return undefined;
}

/** Every broken invariant of the stress run, by rule. */
export function stressProblems(
  jobs: readonly Tracked[],
  states: readonly JobState[],
  pollers: number,
  fifoToleranceMs: number,
): Problems {
  const problems: Problems = new Map();
  const results = new Map<Tracked, WorkStamp>();
  for (const [i, job] of jobs.entries()) {
    const stamp = checkJob(job, states[i], pollers, problems);
    if (stamp) results.set(job, stamp);
  }
  checkFifo(jobs, results, fifoToleranceMs, problems);
  return problems;
}

/** A failure message: each broken rule with its count and a few examples. */
export function describeProblems(problems: Problems): string {
  return [...problems]
    .map(([rule, details]) => `${rule}: ${details.length} broken\n    ${details.slice(0, 4).join("\n    ")}`)
    .join("\n  ");
}
