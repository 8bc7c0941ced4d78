/**
 * Redis for the tests. `redisUrl()` gives `REDIS_URL` when set, else 127.0.0.1:6379 when it answers,
 * else a `redis-server` started from PATH on a free port; without any of them it fails with a message
 * that says how to install Redis. `startRedisServer()` starts a private server (no persistence)
 * that a test may kill and restart. Tests never flush a database: they use unique key prefixes and
 * delete only their own keys.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { mkdtempSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";

const INSTALL_HINT =
  "These tests need Redis. Set REDIS_URL, run a server on 127.0.0.1:6379, or install redis-server " +
  "(Debian/Ubuntu: `apt-get install redis-server`, macOS: `brew install redis`) so the tests can start one.";

/** Whether a Redis server answers PING at `host:port` within `timeoutMs`. */
export function ping(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("error", () => done(false));
    socket.once("connect", () => socket.write("PING\r\n"));
    // A server with a password answers NOAUTH: it is up all the same.
    socket.once("data", (chunk: Buffer) => done(/^(\+PONG|-NOAUTH)/.test(chunk.toString())));
  });
}

/** A free TCP port on 127.0.0.1. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  server.close();
  await once(server, "close");
  return port;
}

/** A redis-server this test process started. */
export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  /** Kills the server (SIGKILL): every key is gone, unless `extraArgs` turned on persistence. */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** The server's pid while it runs (for SIGSTOP/SIGCONT), else undefined. */
  readonly pid: number | undefined;
}

/**
 * Starts `redis-server` from PATH on a free port (or `port`), without persistence unless
 * `extraArgs` turn it on (later arguments win).
 */
export async function startRedisServer(port?: number, extraArgs: readonly string[] = []): Promise<PrivateRedis> {
  const chosen = port ?? (await freePort());
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    const args = ["--port", String(chosen), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", ...extraArgs];
    const started = spawn("redis-server", args, { stdio: "ignore" });
    child = started;
    const failed = new Promise<never>((_, reject) =>
      started.once("error", (error) => reject(new Error(`${INSTALL_HINT} (${error.message})`))),
    );
    const deadline = Date.now() + 5_000;
    const up = (async () => {
      while (!(await ping("127.0.0.1", chosen))) {
        if (Date.now() > deadline || started.exitCode !== null)
          throw new Error(`redis-server on port ${chosen} did not start`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    try {
      await Promise.race([up, failed]);
    } catch (error) {
      // A server that never answered must not outlive the test.
      started.kill("SIGKILL");
      throw error;
    }
  };
  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
    running.kill("SIGKILL");
    await once(running, "exit");
  };
  await start();
  process.once("exit", () => child?.kill("SIGKILL"));
  return {
    port: chosen,
    url: `redis://127.0.0.1:${chosen}`,
    stop,
    start,
    get pid() {
      return child?.pid;
    },
  };
}

let shared: Promise<string> | undefined;

/** The Redis every queue test uses; see the top of this file. */
export function redisUrl(): Promise<string> {
  shared ??= (async () => {
    if (process.env.REDIS_URL) return process.env.REDIS_URL;
    if (await ping("127.0.0.1", 6379)) return "redis://127.0.0.1:6379";
    return (await startRedisServer()).url;
  })();
  return shared;
}

/** A name no other test uses, for key prefixes and queue names. */
export function uniqueName(label: string): string {
  return `bgcb-test-${label}-${randomBytes(6).toString("hex")}`;
}

/** Deletes the keys matching `pattern` (test clean-up only: SCAN is never used by the manager). */
export async function deleteKeys(url: string, pattern: string): Promise<number> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    let deleted = 0;
    let cursor = "0";
    do {
      const [next, keys] = await client.scan(cursor, "MATCH", pattern, "COUNT", 500);
      cursor = next;
      if (keys.length > 0) deleted += await client.del(...keys);
    } while (cursor !== "0");
    return deleted;
  } finally {
    client.disconnect();
  }
}

/** Escapes the glob characters of a key prefix for SCAN MATCH. */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\{}]/g, (c) => `\\${c}`);
}

/** Waits until the cluster node on `port` says that every slot is served. */
async function untilClusterOk(port: number): Promise<void> {
  const client = new Redis(port, "127.0.0.1", { lazyConnect: true });
  await client.connect();
  try {
    for (let i = 0; !String(await client.cluster("INFO")).includes("cluster_state:ok"); i++) {
      if (i > 100) throw new Error("the Redis Cluster did not become ready");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  } finally {
    client.disconnect();
  }
}

/**
 * Starts a Redis Cluster of three masters (private redis-server processes, no replicas) and waits
 * until every slot is served. Needs `redis-server` and `redis-cli` on PATH.
 */
export async function startRedisCluster(): Promise<{ ports: number[]; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "bgcb-cluster-"));
  const ports = [await freePort(), await freePort(), await freePort()];
  const nodes = await Promise.all(
    ports.map((port) =>
      startRedisServer(port, [
        "--cluster-enabled",
        "yes",
        "--cluster-config-file",
        join(dir, `nodes-${port}.conf`),
        "--dir",
        dir,
      ]),
    ),
  );
  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((node) => node.stop()));
  };
  try {
    const addresses = ports.map((port) => `127.0.0.1:${port}`);
    await promisify(execFile)("redis-cli", [
      "--cluster",
      "create",
      ...addresses,
      "--cluster-replicas",
      "0",
      "--cluster-yes",
    ]);
    await untilClusterOk(ports[0] as number);
  } catch (error) {
    await stop();
    throw error;
  }
  return { ports, stop };
}
