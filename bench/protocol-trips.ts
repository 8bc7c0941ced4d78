/**
 * Round trips of several subjects (a raw backend, a manager) measured in turns, so that the load of
 * a shared machine, which comes and goes, falls on all of them alike: one round trip of each in turn
 * for the p50, then bursts of jobs, each subject's burst after the other's, for jobs/s and CPU per job.
 */
import { quantile } from "./protocol-client.js";

/** Something whose round trips are measured: one job, and where its jobs run. */
export interface Subject {
  /** One round trip (job `i`). */
  once(i: number): Promise<unknown>;
  /** CPU (ms) the processes that run its jobs have used so far; 0 when they are this process. */
  otherCpu(): number;
  close(): Promise<void>;
}

/** What {@link roundTrips} measured of one subject. */
export type Trips = {
  /** Round trip p50, one at a time, ms. */
  p50: number;
  /** Round trips per s, `clients` at a time. */
  perSecond: number;
  /** CPU of this process per round trip, `clients` at a time, ms (all its threads). */
  cpu: number;
  /** CPU of the processes `otherCpu` reads per round trip, `clients` at a time, ms. */
  otherCpu: number;
};

/** `rounds` one at a time; `jobs` `clients` at a time, in `bursts` turns. */
export type Sizes = { rounds: number; clients: number; jobs: number; bursts?: number };

/**
 * Each subject 10 times to warm up; then, in `bursts` turns, each subject's share of `rounds`
 * round trips one at a time, one subject after the other; then, in `bursts` turns again, each
 * subject's share of `jobs` round trips `clients` at a time. The first subject changes each turn.
 */
export async function roundTrips(subjects: readonly Subject[], sizes: Sizes): Promise<Trips[]> {
  const { rounds, clients, jobs } = sizes;
  const bursts = Math.max(1, sizes.bursts ?? 10);
  for (const subject of subjects) for (let i = 0; i < 10; i++) await subject.once(i);
  const times = subjects.map((): number[] => []);
  await inTurns(subjects.length, bursts, rounds, async (s, count) => {
    const subject = subjects[s] as Subject;
    for (let i = 0; i < count; i++) {
      const begin = performance.now();
      await subject.once(i);
      times[s]?.push(performance.now() - begin);
    }
  });
  const spent = subjects.map((): Spent => ({ ms: 0, cpu: 0, other: 0, jobs: 0 }));
  await inTurns(subjects.length, bursts, jobs, async (s, count) => {
    const total = spent[s] as Spent;
    spent[s] = add(total, await burst(subjects[s] as Subject, count, clients, total.jobs));
  });
  return spent.map((total, s) => ({
    p50: quantile(times[s] ?? [], 0.5),
    perSecond: (total.jobs * 1000) / total.ms,
    cpu: total.cpu / total.jobs,
    otherCpu: total.other / total.jobs,
  }));
}

/** `turns` times `run(s, count)` for each of `subjects` subjects, the counts of each adding up to `total`. */
async function inTurns(
  subjects: number,
  turns: number,
  total: number,
  run: (s: number, count: number) => Promise<void>,
): Promise<void> {
  for (let t = 0; t < turns; t++) {
    const count = Math.round(((t + 1) * total) / turns) - Math.round((t * total) / turns);
    if (count > 0) for (let k = 0; k < subjects; k++) await run((t + k) % subjects, count);
  }
}

type Spent = { ms: number; cpu: number; other: number; jobs: number };
const add = (a: Spent, b: Spent): Spent => ({
  ms: a.ms + b.ms,
  cpu: a.cpu + b.cpu,
  other: a.other + b.other,
  jobs: a.jobs + b.jobs,
});

/** `count` round trips of `subject`, `clients` at a time, numbered from `first`. */
async function burst(subject: Subject, count: number, clients: number, first: number): Promise<Spent> {
  let next = 0;
  const cpu = process.cpuUsage();
  const other = subject.otherCpu();
  const start = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(clients, count) }, async () => {
      while (next < count) await subject.once(first + next++);
    }),
  );
  const ms = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { ms, cpu: (used.user + used.system) / 1000, other: subject.otherCpu() - other, jobs: count };
}

/** Waits for the subjects being opened, measures them in turns, and closes them (also when one failed to open). */
export async function measured(opened: readonly Promise<Subject>[], sizes: Sizes): Promise<Trips[]> {
  const settled = await Promise.allSettled(opened);
  const subjects = settled.flatMap((result) => (result.status === "fulfilled" ? [result.value] : []));
  try {
    const failed = settled.find((result) => result.status === "rejected");
    if (failed) throw failed.reason;
    return await roundTrips(subjects, sizes);
  } finally {
    for (const subject of subjects) await subject.close();
  }
}
