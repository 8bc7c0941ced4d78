/**
 * The package's `bin` (bin/background-callbacks.mjs): it runs dist/cli.js when the package is built
 * or installed, and src/cli.ts through tsx in a fresh clone (no dist/). The last test runs the
 * command the docs give, `npx background-callbacks worker examples/cancel.ts`, from the checkout.
 */
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { isAlive, Proc, waitFor } from "../managers/queue/processes.js";
import { type PrivateRedis, startRedisServer } from "../managers/queue/redis.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  version: string;
  bin: Record<string, string>;
};
const made: string[] = [];

/** A copy of the checkout's layout in a temporary folder: the bin, plus the given parts linked to the real ones. */
function layout(parts: { src?: boolean; nodeModules?: boolean; dist?: string }): string {
  const dir = mkdtempSync(join(tmpdir(), "bgcb-bin-"));
  made.push(dir);
  mkdirSync(join(dir, "bin"));
  copyFileSync(join(root, "bin", "background-callbacks.mjs"), join(dir, "bin", "background-callbacks.mjs"));
  copyFileSync(join(root, "package.json"), join(dir, "package.json"));
  if (parts.src) symlinkSync(join(root, "src"), join(dir, "src"));
  if (parts.nodeModules) symlinkSync(join(root, "node_modules"), join(dir, "node_modules"));
  if (parts.dist !== undefined) {
    mkdirSync(join(dir, "dist"));
    writeFileSync(join(dir, "dist", "cli.js"), parts.dist);
  }
  return join(dir, "bin", "background-callbacks.mjs");
}

/** Runs `node <bin> ...args` to its exit. */
async function run(bin: string, args: readonly string[]) {
  const proc = new Proc([bin, ...args], {}, []);
  const { code } = await proc.exited;
  return { code, stdout: proc.lines.join("\n"), stderr: proc.stderr };
}

afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe("bin/background-callbacks.mjs", () => {
  it("is the package's bin, and npm pack ships it", () => {
    expect(pkg.bin).toEqual({ "background-callbacks": "./bin/background-callbacks.mjs" });
    const files = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { files: string[] }).files;
    expect(files).toContain("bin");
    expect(readFileSync(join(root, pkg.bin["background-callbacks"] as string), "utf8")).toMatch(
      /^#!\/usr\/bin\/env node\n/,
    );
  });

  it("in a clone without dist/, runs src/cli.ts through tsx, with its exit codes", async () => {
    const bin = layout({ src: true, nodeModules: true });
    const [version, help, missing] = await Promise.all([
      run(bin, ["--version"]),
      run(bin, ["--help"]),
      run(bin, ["worker"]),
    ]);
    expect(version).toMatchObject({ code: 0, stdout: pkg.version });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: background-callbacks worker <app-module> [options]");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("Missing <app-module>");
  });

  it("runs dist/cli.js when it exists (an installed or built package)", async () => {
    const bin = layout({
      src: true,
      nodeModules: true,
      dist: 'console.log("built", process.argv.slice(2).join(" "));\n',
    });
    expect(await run(bin, ["worker", "app.ts"])).toMatchObject({ code: 0, stdout: "built worker app.ts" });
  });

  it("without dist/ and without tsx, says how to get one of them", async () => {
    const bin = layout({ src: true });
    const result = await run(bin, ["--version"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /dist\/cli\.js is missing and tsx is not installed .*`npm install` or `npm run build`/,
    );
  });
});

describe("npx background-callbacks worker examples/cancel.ts, from the checkout", () => {
  let redis: PrivateRedis | undefined;
  afterAll(async () => {
    await redis?.stop();
  });

  it("starts a worker on the example's queue, which stops cleanly on SIGTERM", async () => {
    redis = await startRedisServer();
    // Its own process group: the signal reaches npx, its shell and the bin, as a terminal's would.
    const npx = spawn("npx", ["background-callbacks", "worker", "examples/cancel.ts"], {
      cwd: root,
      env: { ...process.env, REDIS_URL: redis.url },
      stdio: ["ignore", "pipe", "pipe"],
      detached: true,
    });
    let stdout = "";
    let stderr = "";
    npx.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    npx.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<void>((resolve) => npx.once("exit", () => resolve()));
    const events = () =>
      stdout
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as { event: string; pid: number; queue?: string; code?: number });
    try {
      const started = await waitFor(
        `worker.started (stdout: ${stdout.slice(-500)}, stderr: ${stderr.slice(-500)})`,
        () => events().find((event) => event.event === "worker.started"),
        90_000,
      );
      expect(started.queue).toBe("example-cancel");
      process.kill(-(npx.pid as number), "SIGTERM");
      await exited;
      await waitFor("worker.exit", () => events().find((event) => event.event === "worker.exit"), 15_000);
      expect(events().find((event) => event.event === "worker.exit")?.code).toBe(0);
      expect(events().map((event) => event.event)).toContain("worker.stopped");
      await waitFor("the worker process to be gone", () => !isAlive(started.pid), 5_000);
    } finally {
      if (npx.exitCode === null && npx.signalCode === null) process.kill(-(npx.pid as number), "SIGKILL");
    }
  }, 120_000);
});
