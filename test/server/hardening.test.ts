import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningExample, startExample } from "../browser/harness.js";
import { type RawAnswer, request, sendRaw } from "../fixtures/raw-http.js";
import { body, DashClient } from "./http.js";

// Every case goes over a raw TCP connection to a web process of its own: after each one the
// process must still be alive and serving.
let web: RunningExample;
let port: number;
let client: DashClient;
const tally = new Map<string, number>();

beforeAll(async () => {
  web = await startExample("test/fixtures/hardening-app.ts");
  port = Number(new URL(web.url).port);
  client = new DashClient(web.url);
  await client.loadPage();
});

afterAll(async () => {
  console.log(`raw-socket requests by status: ${JSON.stringify(Object.fromEntries(tally))}`);
  await web?.stop();
});

async function send(bytes: string | Buffer): Promise<RawAnswer> {
  const answer = await sendRaw(port, bytes);
  tally.set(String(answer.status), (tally.get(String(answer.status)) ?? 0) + 1);
  return answer;
}

async function expectAlive(): Promise<void> {
  expect(web.process.exitCode, web.output()).toBeNull();
  expect(web.process.signalCode).toBeNull();
  const answer = await send(request("GET /_dash-layout HTTP/1.1", ["Host: 127.0.0.1", "Connection: close"]));
  expect(answer.status).toBe(200);
}

function post(path: string, payload: unknown, headers: readonly string[] = ["Content-Type: application/json"]) {
  const text = typeof payload === "string" ? payload : JSON.stringify(payload);
  return request(
    `POST ${path} HTTP/1.1`,
    ["Host: 127.0.0.1", "Connection: close", `Content-Length: ${Buffer.byteLength(text)}`, ...headers],
    text,
  );
}

/** The request of the hidden cancel callback of input `cancel-<name>.n_clicks`. */
function cancelBody(name: string): Record<string, unknown> {
  return {
    output: `cancel-${name}.id`,
    outputs: { id: `cancel-${name}`, property: "id" },
    inputs: [{ id: `cancel-${name}`, property: "n_clicks", value: 1 }],
    changedPropIds: [`cancel-${name}.n_clicks`],
  };
}

describe("malformed Host headers and request targets → 400", () => {
  const hosts = ["a b", "", "[", "x:99999", "%zz", "1.2.3.4.5", "999.1.1.1", "a/b", "a@b", "[::1", "x:-1"];
  for (const host of hosts) {
    it(`Host: ${JSON.stringify(host)}`, async () => {
      const answer = await send(request("GET / HTTP/1.1", [`Host: ${host}`, "Connection: close"]));
      expect(answer.status).toBe(400);
      expect(answer.closed).toBe(true);
      await expectAlive();
    });
  }

  const targets = ["http://[/", "http://a b/", "http://x:99999/", "ftp://x/", "*", "x", "http:/x", "/\\evil"];
  for (const target of targets) {
    it(`target ${target}`, async () => {
      const answer = await send(request(`GET ${target} HTTP/1.1`, ["Host: 127.0.0.1", "Connection: close"]));
      expect(answer.status).toBe(400);
      await expectAlive();
    });
  }

  it("a well-formed absolute-form target is served", async () => {
    const answer = await send(
      request(`GET http://127.0.0.1:${port}/_dash-layout HTTP/1.1`, ["Host: 127.0.0.1", "Connection: close"]),
    );
    expect(answer.status).toBe(200);
  });

  it("an HTTP/1.0 request without Host is served", async () => {
    expect((await send(request("GET /_dash-layout HTTP/1.0"))).status).toBe(200);
  });
});

describe("methods outside GET, HEAD and POST → 405 with Allow", () => {
  for (const method of ["TRACE", "TRACK", "CONNECT", "PUT", "DELETE", "PATCH", "PROPFIND", "FOO", "BREW"]) {
    it(method, async () => {
      const target = method === "CONNECT" ? "127.0.0.1:1" : "/";
      const answer = await send(request(`${method} ${target} HTTP/1.1`, ["Host: 127.0.0.1", "Connection: close"]));
      expect(answer.status).toBe(405);
      expect(answer.headers.allow).toMatch(/GET, HEAD, POST|POST|GET, HEAD/);
      await expectAlive();
    });
  }

  it("OPTIONS answers the methods of the route", async () => {
    const answer = await send(request("OPTIONS /_dash-update-component HTTP/1.1", ["Host: x", "Connection: close"]));
    expect(answer.status).toBe(204);
    expect(answer.headers.allow).toBe("POST");
  });
});

describe("malformed framing → 400 and close", () => {
  const cases: [string, string | Buffer][] = [
    ["a header without a colon", request("GET / HTTP/1.1", ["Host x"])],
    ["a space before the colon", request("GET / HTTP/1.1", ["Host : x"])],
    [
      "both Content-Length and Transfer-Encoding",
      post("/_dash-update-component", "{}", ["Transfer-Encoding: chunked"]),
    ],
    [
      "two different Content-Lengths",
      request("POST / HTTP/1.1", ["Host: x", "Content-Length: 1", "Content-Length: 2"], "ab"),
    ],
    [
      "a broken chunk size",
      request("POST /_dash-update-component HTTP/1.1", ["Host: x", "Transfer-Encoding: chunked"], "zz\r\n"),
    ],
    ["a bad HTTP version", request("GET / HTTP/9.9", ["Host: x"])],
    ["binary noise in the target", Buffer.from("GET /\u0000\u0001\u00ff HTTP/1.1\r\nHost: x\r\n\r\n", "latin1")],
    ["a NUL in a header value", request("GET / HTTP/1.1", ["Host: x", "X-A: a\u0000b"])],
  ];
  for (const [name, bytes] of cases) {
    it(name, async () => {
      const answer = await send(bytes);
      expect(answer.status).toBe(400);
      expect(answer.closed).toBe(true);
      await expectAlive();
    });
  }

  it("binary noise for a method → 405 and close", async () => {
    const answer = await send(Buffer.from([0, 1, 2, 3, 255, 254, 13, 10, 13, 10]));
    expect(answer.status).toBe(405);
    expect(answer.closed).toBe(true);
    await expectAlive();
  });

  it("headers larger than the parser takes → 431", async () => {
    const answer = await send(request("GET / HTTP/1.1", ["Host: x", `X-Big: ${"a".repeat(20_000)}`]));
    expect(answer.status).toBe(431);
    await expectAlive();
  });
});

describe("what was found, over raw sockets", () => {
  const path = () => `/_dash-update-component?endId=${client.endId}`;

  it("prototype member names as changed props start a job that sees none of them", async () => {
    const payload = {
      ...body("ctx-out", "ctx-in", 1),
      changedPropIds: ["toString", "constructor", "__proto__", "hasOwnProperty", "valueOf", "ctx-in.value"],
    };
    const first = JSON.parse((await send(post(path(), payload))).text) as Record<string, unknown>;
    expect(first.job).toBeDefined();
    const { polls } = await client.runJob(payload);
    expect(polls.at(-1)).toMatchObject({
      status: 200,
      body: { response: { "ctx-out": { children: { triggered: ["ctx-in.value"], inputs: ["ctx-in.value"] } } } },
    });
    await expectAlive();
  });

  it("an input nested 3,000 arrays deep → 400 naming the limit", async () => {
    const deep = `${"[".repeat(3_000)}${"]".repeat(3_000)}`;
    const text = JSON.stringify(body("bg-a-out", "bg-a-in", 0)).replace("0", deep);
    const answer = await send(post(path(), text));
    expect(answer.status).toBe(400);
    expect(answer.text).toContain("maxJsonDepth");
    await expectAlive();
  });

  it("callback B's handles polled as callback A → 403; A's own → 200", async () => {
    const a = (await (await client.update(body("bg-a-out", "bg-a-in", "wait"))).json()) as Record<string, string>;
    const b = (await (await client.update(body("bg-b-out", "bg-b-in", "wait"))).json()) as Record<string, string>;
    const poll = (handles: Record<string, string>) =>
      send(post(`${path()}&cacheKey=${handles.cacheKey}&job=${handles.job}`, body("bg-a-out", "bg-a-in", null)));
    expect((await poll(b)).status).toBe(403);
    expect((await poll({ cacheKey: a.cacheKey as string, job: b.job as string })).status).toBe(403);
    expect((await poll(a)).status).toBe(200);
    for (const [name, job] of [
      ["a", a.job],
      ["b", b.job],
    ] as const) {
      const cancel = await client.update(cancelBody(name), { cancelJob: job as string });
      expect(cancel.status).toBe(204);
    }
    await expectAlive();
  });

  it("a text/plain POST (a cross-site simple request) → 415 and starts nothing", async () => {
    for (const type of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""]) {
      const answer = await send(post(path(), body("bg-a-out", "bg-a-in", "x"), type ? [`Content-Type: ${type}`] : []));
      expect(answer.status).toBe(415);
    }
    await expectAlive();
  });
});
