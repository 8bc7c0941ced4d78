/** The measurements of bench/protocol.ts, each over HTTP with renderer-like clients. */
import { type Answer, now, ProtocolClient, quantile, resultOf } from "./protocol-client.js";

export interface Latency {
  p50: number;
  p95: number;
  perSecond: number;
}

export async function client(url: string, connections = 16): Promise<ProtocolClient> {
  const made = new ProtocolClient(url, connections);
  await made.loadPage();
  return made;
}

function summary(times: number[], elapsedMs: number): Latency {
  return { p50: quantile(times, 0.5), p95: quantile(times, 0.95), perSecond: (times.length * 1000) / elapsedMs };
}

/** `clients` renderer-like clients, each clicking `rounds` no-op (or normal) callbacks one after the other. */
export async function clicks(url: string, input: string, clients: number, rounds: number): Promise<Latency> {
  const page = await client(url, clients);
  const times: number[] = [];
  const start = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; i < rounds; i++) {
        const begin = performance.now();
        const answer = await page.click(input, `${c}-${i}`, 1000);
        if (resultOf(answer, input) !== `${c}-${i}`) throw new Error(`wrong result ${JSON.stringify(answer)}`);
        times.push(performance.now() - begin);
      }
    }),
  );
  const elapsed = performance.now() - start;
  page.close();
  return summary(times, elapsed);
}

/** The 1,500 ms job: from the job's end (its result) to the result reaching the client, `parallel` at a time. */
export async function afterEnd(url: string, jobs: number, parallel: number): Promise<number[]> {
  const page = await client(url, parallel);
  const delays: number[] = [];
  await Promise.all(
    Array.from({ length: parallel }, async (_, c) => {
      for (let i = c; i < jobs; i += parallel) {
        const answer = await page.click("slow", i, 1000);
        delays.push(now() - Number(resultOf(answer, "slow")));
      }
    }),
  );
  page.close();
  return delays;
}

/** From each setProgress (its value is the time it was set) to the poll answer that carries it. */
export async function progressDelays(url: string, jobs: number, count: number): Promise<number[]> {
  const page = await client(url, jobs);
  const delays: number[] = [];
  const record = (answer: Answer) => {
    const progress = answer.progress as Record<string, unknown> | undefined;
    const value = progress ? Object.values(progress)[0] : undefined;
    if (typeof value === "number") delays.push(now() - value);
  };
  await Promise.all(Array.from({ length: jobs }, () => page.click("prog", count, 100, record)));
  page.close();
  return delays;
}

/** Polls answered per second, `connections` at a time, of a job that has finished. */
export async function pollRate(url: string, connections: number, seconds: number): Promise<number> {
  const page = await client(url, connections);
  // The 1,500 ms job: its first response carries the handles, not the result.
  const handles = (await page.update("slow", "x")).answer;
  while ((await page.update("slow", null, handles)).answer.response === undefined);
  let answered = 0;
  const end = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        await page.update("slow", null, handles);
        answered++;
      }
    }),
  );
  page.close();
  return answered / seconds;
}

/** Submit (first POST) and poll times of jobs that stay queued, on the Dash-style server (no waiting). */
export async function submitAndPoll(url: string, rounds: number): Promise<{ submit: number; poll: number }> {
  const page = await client(url, 1);
  const submits: number[] = [];
  const polls: number[] = [];
  for (let i = 0; i < rounds; i++) {
    let begin = performance.now();
    const handles = (await page.update("noop", `queued-${i}`)).answer;
    submits.push(performance.now() - begin);
    begin = performance.now();
    await page.update("noop", null, handles);
    polls.push(performance.now() - begin);
  }
  page.close();
  return { submit: quantile(submits, 0.5), poll: quantile(polls, 0.5) };
}

/** Queues `jobs` no-op jobs through the Dash-style server, 16 requests at a time. */
export async function fill(url: string, jobs: number): Promise<void> {
  const page = await client(url, 16);
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < jobs) await page.update("noop", `backlog-${next++}`);
    }),
  );
  page.close();
}
