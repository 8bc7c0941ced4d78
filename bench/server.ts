/**
 * The app server side by side, in one run: a normal callback's latency with and without a
 * CPU-bound background job running, and how long a background result takes to reach the browser
 * with our first-response and long-poll paths versus Dash's answer-then-poll-every-interval.
 * Writes its table into docs/benchmarks.md.
 *
 *   npx tsx bench/server.ts        # ROUNDS=30 to change the size
 */
import { readFileSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import type { RunningApp } from "background-callbacks";
import { body, DashClient } from "../test/server/http.js";
import { longPolling, shortPolling } from "./app.js";

const ROUNDS = Number(process.env.ROUNDS ?? 30);
const quantile = (values: number[], q: number) =>
  [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) * q)] as number;

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await fn();
  return performance.now() - start;
}

async function normalLatency(client: DashClient): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < ROUNDS; i++)
    times.push(await timed(async () => (await client.update(body("echo-out", "echo-in", `v${i}`))).json()));
  return times;
}

/** The renderer's loop: first POST, then (after `interval`) polls until the response. */
async function untilResult(client: DashClient, name: string, interval: number): Promise<number> {
  return timed(async () => {
    const payload = body(`${name}-out`, `${name}-in`, "x");
    let answer = (await (await client.update(payload)).json()) as Record<string, unknown>;
    const handles = answer;
    while (answer.response === undefined) {
      await new Promise((resolve) => setTimeout(resolve, interval));
      answer = (await (await client.poll(payload, handles)).json()) as Record<string, unknown>;
    }
  });
}

const started: RunningApp[] = [];
const clients: DashClient[] = [];
for (const app of [longPolling, shortPolling]) {
  const { client, running } = await DashClient.start(app);
  started.push(running);
  clients.push(client);
}
const [ours, dashLike] = clients as [DashClient, DashClient];

await normalLatency(ours); // warm up
const idle = await normalLatency(ours);
const spin = (await (await ours.update(body("spin-out", "spin-in", 1))).json()) as Record<string, unknown>;
const busy = await normalLatency(ours);
await ours.update(body("echo-out", "echo-in", "stop"), { cancelJob: String(spin.job) });

const results: Record<string, number[]> = { oursFast: [], dashFast: [], oursSlow: [], dashSlow: [] };
for (let i = 0; i < Math.min(ROUNDS, 6); i++) {
  results.oursFast?.push(await untilResult(ours, "fast", 1000));
  results.dashFast?.push(await untilResult(dashLike, "fast", 1000));
  results.oursSlow?.push(await untilResult(ours, "slow", 1000));
  results.dashSlow?.push(await untilResult(dashLike, "slow", 1000));
}
for (const running of started) await running.close();

const ms = (value: number) => value.toFixed(1);
const median = (values: number[] | undefined) => quantile(values ?? [], 0.5);
const table = [
  `Measured ${new Date().toISOString().slice(0, 10)} on ${cpus().length} cores, Node ${process.version}, DiskManager, over HTTP on loopback; ${ROUNDS} requests per row.`,
  "",
  "| normal callback | median ms | p95 ms |",
  "| --- | --- | --- |",
  `| nothing else running | ${ms(quantile(idle, 0.5))} | ${ms(quantile(idle, 0.95))} |`,
  `| while a background job spins a CPU-bound loop | ${ms(quantile(busy, 0.5))} | ${ms(quantile(busy, 0.95))} |`,
  "",
  "| background result reaches the browser (interval 1000 ms) | ours, median ms | Dash-style answer-then-poll, median ms | ratio |",
  "| --- | --- | --- | --- |",
  `| a job that returns at once | ${ms(median(results.oursFast))} | ${ms(median(results.dashFast))} | ×${(median(results.dashFast) / median(results.oursFast)).toFixed(1)} |`,
  `| a 1500 ms job | ${ms(median(results.oursSlow))} | ${ms(median(results.dashSlow))} | ×${(median(results.dashSlow) / median(results.oursSlow)).toFixed(1)} |`,
].join("\n");
console.log(table);

const file = fileURLToPath(new URL("../docs/benchmarks.md", import.meta.url));
const begin = "<!-- bench/server.ts: begin -->";
const end = "<!-- bench/server.ts: end -->";
writeFileSync(
  file,
  readFileSync(file, "utf8").replace(new RegExp(`${begin}[\\s\\S]*${end}`), `${begin}\n${table}\n${end}`),
);
process.exit(0);
