import { existsSync, readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Dash, type RunningApp } from "../../src/index.js";
import { app, dbPath } from "../fixtures/parity-app.js";
import { body, DashClient } from "./http.js";

let client: DashClient;
let running: RunningApp;

beforeAll(async () => {
  ({ client, running } = await DashClient.start(app));
});

afterAll(async () => {
  await running.close();
});

const SECRET = "s3cr3t-session-token";

/** POSTs like the renderer of a page at `/?tab=2&tab=3&q=a%20b`, with the session and theme cookies. */
function update(requestBody: unknown, query: Record<string, string> = {}, headers: Record<string, string> = {}) {
  const params = new URLSearchParams({ endId: client.endId, ...query });
  const origin = new URL(client.base).origin;
  return fetch(`${client.base}_dash-update-component?${params}`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Cookie: `session=${SECRET}; theme=dark`,
      Authorization: "Bearer another-secret",
      Referer: `${client.base}?tab=2&tab=3&q=a%20b`,
      Origin: origin,
      ...headers,
    },
    body: JSON.stringify(requestBody),
  });
}

/** Runs a background callback to its end with the browser's headers on every request. */
async function runJob(requestBody: Record<string, unknown>, headers: Record<string, string> = {}) {
  const first = (await (await update(requestBody, {}, headers)).json()) as Record<string, unknown>;
  if (first.response !== undefined) return first;
  for (let i = 0; i < 100; i++) {
    const response = await update(requestBody, { cacheKey: String(first.cacheKey), job: String(first.job) }, headers);
    const polled = (await response.json()) as Record<string, unknown>;
    if (polled.response !== undefined) return polled;
  }
  throw new Error("the job never ended");
}

type Snapshot = {
  custom: Record<string, unknown>;
  cookies: Record<string, string>;
  headers: Record<string, string>;
  args: Record<string, string>;
  remote: string;
  origin: string;
};

const snapshotOf = (answer: Record<string, unknown>, output: string): Snapshot =>
  JSON.parse((answer.response as Record<string, { children: string }>)[output]?.children ?? "null") as Snapshot;

describe("ctx in background jobs and normal callbacks", () => {
  it("a job reads the user id the app's requestData derived from the session cookie; the cookie never reaches the job or its store", async () => {
    const answers = await Promise.all([1, 2, 3].map((n) => runJob(body("ctx-out", "ctx-run", n, "n_clicks"))));
    for (const answer of answers) {
      const seen = snapshotOf(answer, "ctx-out");
      expect(seen.custom).toEqual({ userId: "user-42" });
      expect(seen.cookies).toEqual({ theme: "dark" });
      expect(Object.keys(seen.headers)).not.toContain("cookie");
      expect(Object.keys(seen.headers)).not.toContain("authorization");
      expect(JSON.stringify(seen)).not.toContain(SECRET);
      expect(JSON.stringify(seen)).not.toContain("another-secret");
    }
    // The job records live in the manager's SQLite files: the user id is there, the secrets are not.
    const stored = [dbPath, `${dbPath}-wal`]
      .filter((file) => existsSync(file))
      .map((file) => readFileSync(file).toString("latin1"))
      .join("");
    expect(stored).toContain("user-42");
    expect(stored).not.toContain(SECRET);
    expect(stored).not.toContain("another-secret");
  });

  it("ctx.args is the page's query, ctx.origin its Origin, ctx.remote the client's address", async () => {
    const seen = snapshotOf(await runJob(body("ctx-out", "ctx-run", 4, "n_clicks")), "ctx-out");
    expect(seen.args).toEqual({ tab: "2", q: "a b" });
    expect(seen.origin).toBe(new URL(client.base).origin);
    expect(seen.remote).toMatch(/^(::ffff:)?127\.0\.0\.1$/);
  });

  it("a normal callback sees ctx.custom and every cookie (it runs in the web process)", async () => {
    const response = await update(body("ctx-normal-out", "ctx-normal", 1, "n_clicks"));
    expect(response.status).toBe(200);
    const seen = snapshotOf((await response.json()) as Record<string, unknown>, "ctx-normal-out");
    expect(seen.custom).toEqual({ userId: "user-42" });
    expect(seen.cookies).toEqual({ session: SECRET, theme: "dark" });
    expect(seen.args).toEqual({ tab: "2", q: "a b" });
  });

  it("without a session the hook's null user reaches the job; without a Referer ctx.args is empty", async () => {
    const seen = snapshotOf(
      await runJob(body("ctx-out", "ctx-run", 5, "n_clicks"), { Cookie: "theme=light", Referer: "" }),
      "ctx-out",
    );
    expect(seen.custom).toEqual({ userId: null });
    expect(seen.cookies).toEqual({ theme: "light" });
    expect(seen.args).toEqual({});
  });

  it("requestData that is too large, not JSON, or throws answers 500 with a generic message", async () => {
    for (const mode of ["huge", "not-json", "throw"]) {
      const response = await update(body("ctx-out", "ctx-run", 6, "n_clicks"), {}, { "x-test-data": mode });
      expect(response.status, mode).toBe(500);
      const text = await response.text();
      expect(text).toBe("Internal server error");
    }
  });
});

describe("context options are validated", () => {
  it.each([
    [{ requestData: "user" }, "requestData"],
    [{ jobCookies: "theme" }, "jobCookies"],
    [{ jobCookies: [""] }, "jobCookies"],
    [{ maxRequestDataBytes: 1 }, "maxRequestDataBytes"],
  ])("%j is refused", (options, name) => {
    expect(() => new Dash(options as never)).toThrow(
      expect.objectContaining({ code: "INVALID_ARGUMENT", message: expect.stringContaining(`\`${name}\``) }),
    );
  });
});
