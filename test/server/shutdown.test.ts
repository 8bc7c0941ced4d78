/**
 * A real web process stopped by a signal while a page long-polls a running job: the poll is
 * answered at once ("still running", so the page polls again, maybe another process), an idle
 * keep-alive connection is closed, a new connection is refused, and the process exits 0 within
 * its bound.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, request as httpRequest } from "node:http";
import { type AddressInfo, connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { Dash } from "../../src/index.js";
import { closeGracefully, toNodeListener } from "../../src/server/node.js";
import { body, DashClient } from "./http.js";

const fixture = fileURLToPath(new URL("./shutdown-app.ts", import.meta.url));
const GRACE_MS = 4_000;
/** `shutdownGraceMs`, plus what the app allows its managers to close on a signal. */
const BOUND_MS = GRACE_MS + 5_000;

const children: ChildProcess[] = [];
const folders: string[] = [];
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

async function startWeb(): Promise<{ child: ChildProcess; url: string; exited: Promise<number | null> }> {
  const dir = mkdtempSync(join(tmpdir(), "bgcb-shutdown-"));
  folders.push(dir);
  const child = spawn(process.execPath, ["--import", "tsx", fixture], {
    env: { ...process.env, CACHE_PATH: join(dir, "cache.sqlite"), SHUTDOWN_GRACE_MS: String(GRACE_MS) },
    stdio: ["ignore", "pipe", "inherit"],
  });
  children.push(child);
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Dash is running on (\S+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    });
    exited.then((code) => reject(new Error(`the web process exited with ${code} before serving`)));
  });
  return { child, url, exited };
}

/** A keep-alive connection that has been answered once and now sits idle; resolves when the server closes it. */
async function idleConnection(url: string): Promise<{ socket: Socket; closed: Promise<void> }> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  socket.on("error", () => undefined);
  await new Promise<void>((resolve) => {
    socket.once("data", () => resolve());
    socket.write(`GET /_dash-layout HTTP/1.1\r\nHost: ${hostname}:${port}\r\nConnection: keep-alive\r\n\r\n`);
  });
  return { socket, closed };
}

/** Resolves with the error code of a request on a fresh connection (no agent reuse). */
function freshConnection(url: string): Promise<string> {
  return new Promise((resolve) => {
    const req = httpRequest(`${url}_dash-layout`, { agent: false }, (res) => {
      res.resume();
      resolve(`answered ${res.statusCode}`);
    });
    req.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    req.end();
  });
}

describe("a web process stopped by a signal", () => {
  it.each(["SIGTERM", "SIGINT"] as const)(
    "%s: answers its pending long poll at once, refuses new connections, exits 0 within the bound",
    async (signal) => {
      const { child, url, exited } = await startWeb();
      const client = new DashClient(url);
      await client.loadPage();
      const payload = body("slow-out", "slow-in", 1);
      const first = (await (await client.update(payload)).json()) as Record<string, unknown>;
      expect(typeof first.job).toBe("string");
      const idle = await idleConnection(url);

      const polled = client.poll(payload, first);
      // The poll has reached the server once the server holds its connection open without answering.
      let settled = false;
      polled.finally(() => {
        settled = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(settled).toBe(false);

      const signalled = Date.now();
      child.kill(signal);
      const poll = await polled;
      expect(poll.status).toBe(200);
      expect(await poll.json()).toEqual({ multi: true });
      expect(poll.headers.get("connection")).toBe("close");
      // Answered long before the 60 s long poll would have ended on its own.
      expect(Date.now() - signalled).toBeLessThan(GRACE_MS);

      await idle.closed;
      expect(await freshConnection(url)).toBe("ECONNREFUSED");
      const exitedInTime = await Promise.race([
        exited.then((code) => ({ code })),
        new Promise<"late">((resolve) => setTimeout(() => resolve("late"), BOUND_MS)),
      ]);
      expect(exitedInTime).toEqual({ code: 0 });
    },
    60_000,
  );

  it("a second signal while stopping exits at once", async () => {
    const { child, url, exited } = await startWeb();
    const { hostname, port } = new URL(url);
    // A request whose headers never end keeps its connection busy for the whole grace period.
    const stuck = connect(Number(port), hostname);
    stuck.on("error", () => undefined);
    await new Promise<void>((resolve) => stuck.once("connect", () => resolve()));
    stuck.write(`GET /_dash-layout HTTP/1.1\r\nHost: ${hostname}\r\n`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    child.kill("SIGTERM");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(child.exitCode).toBeNull();
    child.kill("SIGTERM");
    expect(await exited).toBe(143);
    stuck.destroy();
  }, 60_000);
});

describe("the node listener of a stopping server", () => {
  it("aborts every overlapping request at once, each answered on a closing connection, with no listener leak", async () => {
    const stopping = new AbortController();
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on("warning", onWarning);
    const waiting = new Set<string>();
    const server = createServer(
      toNodeListener(
        async (request) => {
          const id = new URL(request.url).searchParams.get("id") ?? "";
          waiting.add(id);
          await new Promise((resolve) => request.signal.addEventListener("abort", resolve, { once: true }));
          return new Response(`${id} ${request.method} ${request.method === "POST" ? await request.text() : ""}`);
        },
        { stopping: stopping.signal },
      ),
    );
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const ids = Array.from({ length: 24 }, (_, index) => String(index));
    const answers = Promise.all(
      ids.map(async (id) => {
        const response = await fetch(`http://127.0.0.1:${port}/?id=${id}`, { method: "POST", body: `body-${id}` });
        return { text: await response.text(), connection: response.headers.get("connection") };
      }),
    );
    while (waiting.size < ids.length) await new Promise((resolve) => setTimeout(resolve, 20));
    stopping.abort();
    await closeGracefully(server, 5_000);
    process.off("warning", onWarning);
    expect(await answers).toEqual(ids.map((id) => ({ text: `${id} POST body-${id}`, connection: "close" })));
    expect(warnings).toEqual([]);
  });
});

describe("shutdownGraceMs", () => {
  it.each([-1, 1.5, Number.NaN, "10"])("refuses %j before serving anything", async (value) => {
    const error = await new Dash()
      .run({ port: 0, shutdownGraceMs: value as number })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as { code?: string }).code).toBe("INVALID_ARGUMENT");
    expect(String((error as Error).message)).toMatch(/^\[background-callbacks:app\] Expected `shutdownGraceMs`/);
  });
});
