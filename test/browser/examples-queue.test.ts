/**
 * Seed examples on the QueueManager, as deployed with Redis: the web process runs with REDIS_URL
 * set, and jobs run on a separate worker process started with the CLI
 * (`npx background-callbacks worker examples/<name>.ts`). Redis is a private server of this file.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PrivateRedis, startRedisServer } from "../managers/queue/redis.js";
import { textOf, useApp, useBrowser, waitFor, waitForText } from "./harness.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const browser = useBrowser();
let redis: PrivateRedis;
const env: Record<string, string> = {};

beforeAll(async () => {
  redis = await startRedisServer();
  env.REDIS_URL = redis.url;
});

afterAll(async () => {
  await redis?.stop();
});

/** A CLI worker for `examples/<name>.ts`; resolves once it takes jobs. */
function useWorker(name: string): () => ChildProcess {
  let worker: ChildProcess | undefined;
  beforeAll(async () => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", "worker", `examples/${name}.ts`], {
      cwd: root,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    worker = child;
    let output = "";
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('"worker.started"')) resolve();
      });
      child.once("exit", (code) => reject(new Error(`the worker exited with code ${code}:\n${output}`)));
    });
  });
  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      const exited = new Promise((resolve) => worker?.once("exit", resolve));
      worker.kill("SIGTERM");
      await exited;
    }
  });
  return () => worker as ChildProcess;
}

describe.sequential("simple, with REDIS_URL and a CLI worker", () => {
  useWorker("simple");
  const example = useApp("examples/simple.ts", browser, env);

  it("the job runs on the worker process and its result reaches the page", async () => {
    const { page, problems } = await example.open();
    await page.click("#button_id");
    await waitForText(page, "#paragraph_id", "Clicked 1 times", 15_000);
    expect(problems).toEqual([]);
  });
});

describe.sequential("progress-bar, with REDIS_URL and a CLI worker", () => {
  const worker = useWorker("progress-bar");
  const example = useApp("examples/progress-bar.ts", browser, env);

  it("progress moves, cancel resets it, and a full run ends with the result", async () => {
    const { page, problems } = await example.open();
    expect(worker().exitCode).toBeNull();
    await page.click("#button_id");
    await waitFor(page, `Number(document.querySelector("#progress_bar")?.getAttribute("value")) >= 2`, 15_000);
    await page.click("#cancel_button_id");
    await waitFor(page, `document.querySelector("#progress_bar")?.getAttribute("value") === "0"`, 5_000);
    await waitFor(page, `document.querySelector("#button_id")?.disabled === false`, 5_000);
    expect(await textOf(page, "#paragraph_id")).toBe("Button not clicked");
    await page.click("#button_id");
    await waitForText(page, "#paragraph_id", "Clicked 2 times", 20_000);
    expect(problems).toEqual([]);
  });
});
