/** Processes of bench/protocol.ts: the web process, the queue worker, and what /proc says about them. */
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
export const APP = fileURLToPath(new URL("./protocol-app.ts", import.meta.url));

/** The environment of the app of bench/protocol-app.ts on `kind`'s manager, 2 job processes, its file in `dir`. */
export function appEnv(kind: "disk" | "queue", dir: string, name: string) {
  return {
    BENCH_MANAGER: kind,
    BENCH_CONCURRENCY: "2",
    BENCH_DB: join(dir, `${name}.sqlite`),
    BENCH_QUEUE: `${name}-${process.pid}`,
    BENCH_PREFIX: `bgcb-bench-${process.pid}`,
  };
}

/** A child process started with tsx's loader and an IPC channel; resolves on its first message. */
export function startChild(
  args: string[],
  env: Record<string, string>,
  nodeArgs: string[] = [],
): Promise<{ child: ChildProcess; message: unknown }> {
  const child = spawn(process.execPath, [...nodeArgs, "--import", "tsx", ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  return new Promise((resolve, reject) => {
    child.once("message", (message) => resolve({ child, message }));
    child.once("exit", (code) => reject(new Error(`${args.join(" ")} exited with ${code} before it was ready`)));
  });
}

/** The queue worker CLI, as `npx background-callbacks worker <module>` runs it. */
export function startQueueWorker(env: Record<string, string>, concurrency: number): ChildProcess {
  return spawn(
    process.execPath,
    [`${root}bin/background-callbacks.mjs`, "worker", APP, "--concurrency", String(concurrency)],
    { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "ignore", "inherit"] },
  );
}

export function stopped(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/** CPU time (user + system) a process has used so far, in ms (at the kernel's tick resolution). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
}

/** CPU time (ms) a process and its descendants alive now have used so far; 0 for one that is gone. */
export function treeCpuMs(pid: number): number {
  return processTree(pid).reduce((sum, each) => {
    try {
      return sum + cpuMs(each);
    } catch {
      return sum;
    }
  }, 0);
}

/** A process and all its descendants. */
export function processTree(pid: number): number[] {
  const found = [pid];
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return found;
  }
  for (const task of tasks) {
    let children = "";
    try {
      children = readFileSync(`/proc/${pid}/task/${task}/children`, "utf8");
    } catch {}
    for (const child of children.split(" ").filter(Boolean)) found.push(...processTree(Number(child)));
  }
  return found;
}

export function signalAll(pids: number[], signal: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, signal);
    } catch {}
  }
}
