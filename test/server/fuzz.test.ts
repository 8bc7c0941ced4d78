import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Dash, RunningApp } from "../../src/index.js";
import { makeApp } from "../fixtures/hardening-app.js";
import { request, sendRaw } from "../fixtures/raw-http.js";

// Generated requests against a real app (normal and background callbacks, jobs on worker
// processes): none may get a 5xx, none may throw, and memory stays bounded.
const RUNS = 10_000;
const BASE = "http://localhost/";
let app: Dash;
let endIds: string[];
let handles: Record<string, string>[];
const statuses = new Map<number, number>();

async function call(request: Request): Promise<number> {
  const response = await app.fetch(request);
  await response.arrayBuffer();
  statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
  return response.status;
}

async function pageEndId(): Promise<string> {
  const html = await (await app.fetch(new Request(BASE))).text();
  return /"end_id":"([^"]+)"/.exec(html)?.[1] as string;
}

async function startJob(output: string, input: string, endId: string): Promise<Record<string, string>> {
  const payload = {
    output: `${output}.children`,
    outputs: { id: output, property: "children" },
    inputs: [{ id: input, property: "value", value: 1 }],
  };
  const response = await app.fetch(
    new Request(`${BASE}_dash-update-component?endId=${endId}`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(payload),
    }),
  );
  return (await response.json()) as Record<string, string>;
}

beforeAll(async () => {
  app = makeApp({ longPollMs: 0 });
  endIds = [await pageEndId(), await pageEndId()];
  handles = await Promise.all([
    startJob("bg-a-out", "bg-a-in", endIds[0] as string),
    startJob("bg-b-out", "bg-b-in", endIds[0] as string),
    startJob("ctx-out", "ctx-in", endIds[1] as string),
  ]);
});

afterAll(async () => {
  console.log(`fuzz statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
  await Promise.all((await app.managers()).map((manager) => manager.close()));
});

const PROTO = ["toString", "constructor", "__proto__", "hasOwnProperty", "valueOf", "prototype"];
const OUTPUTS = [
  "echo-out.children",
  "..pair-a.children...pair-b.children..",
  "ctx-out.children",
  "bg-a-out.children",
  "bg-b-out.children",
  "cancel-a.id",
  "cancel-b.id",
];
const IDS = [
  "echo-in",
  "echo-state",
  "pair-in",
  "ctx-in",
  "bg-a-in",
  "bg-b-in",
  "cancel-a",
  "cancel-b",
  "echo-out",
  "pair-a",
  "pair-b",
];
const printable = fc.stringMatching(/^[\x20-\x7e]{0,40}$/);

const name = fc.oneof(fc.constantFrom(...IDS, ...PROTO), fc.string({ maxLength: 12 }));
const id = fc.oneof(
  name,
  fc.dictionary(fc.oneof(fc.constantFrom(...PROTO), fc.string({ maxLength: 6 })), fc.jsonValue({ maxDepth: 1 }), {
    maxKeys: 3,
  }),
);
const nested = fc
  .integer({ min: 1, max: 200 })
  .map((depth) => JSON.parse(`${"[".repeat(depth)}${"]".repeat(depth)}`) as unknown);
const value = fc.oneof(fc.jsonValue({ maxDepth: 4 }), nested, fc.constantFrom(...PROTO));
const dependency = fc.record(
  {
    id,
    property: fc.oneof(fc.constantFrom("value", "n_clicks", "children", "id", ...PROTO), fc.string({ maxLength: 8 })),
    value,
  },
  { requiredKeys: ["id", "property"] },
);
const entry = fc.oneof(
  { weight: 4, arbitrary: dependency },
  fc.array(dependency, { maxLength: 3 }),
  fc.jsonValue({ maxDepth: 2 }),
);
const payload = fc.record(
  {
    output: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...OUTPUTS) }, name, fc.jsonValue({ maxDepth: 1 })),
    outputs: fc.oneof(entry, fc.array(entry, { maxLength: 3 })),
    inputs: fc.oneof({ weight: 4, arbitrary: fc.array(entry, { maxLength: 3 }) }, fc.jsonValue({ maxDepth: 2 })),
    state: fc.array(entry, { maxLength: 2 }),
    changedPropIds: fc.oneof(
      fc.array(fc.oneof(fc.constantFrom(...PROTO, "echo-in.value", "bg-a-in.value"), fc.string()), { maxLength: 4 }),
      fc.jsonValue({ maxDepth: 1 }),
    ),
  },
  { requiredKeys: [] },
);
const dep = (id: string, property: string, v: unknown) => ({ id, property, value: v });
const out = (id: string, property = "children") => ({ id, property });
/** Requests shaped as the renderer sends them for each callback, with generated values. */
const wellFormed = fc
  .tuple(
    fc.nat(6),
    value,
    value,
    fc.array(fc.oneof(fc.constantFrom(...PROTO, "echo-in.value", "ctx-in.value"), fc.string({ maxLength: 10 })), {
      maxLength: 3,
    }),
  )
  .map(([which, v, w, changedPropIds]) => {
    const shapes: Record<string, unknown>[] = [
      {
        output: "echo-out.children",
        outputs: out("echo-out"),
        inputs: [dep("echo-in", "value", v)],
        state: [dep("echo-state", "value", w)],
      },
      {
        output: "..pair-a.children...pair-b.children..",
        outputs: [out("pair-a"), out("pair-b")],
        inputs: [dep("pair-in", "value", v)],
      },
      { output: "ctx-out.children", outputs: out("ctx-out"), inputs: [dep("ctx-in", "value", v)] },
      {
        output: "bg-a-out.children",
        outputs: out("bg-a-out"),
        inputs: [dep("bg-a-in", "value", v === "wait" ? 0 : v)],
      },
      {
        output: "bg-b-out.children",
        outputs: out("bg-b-out"),
        inputs: [dep("bg-b-in", "value", v === "wait" ? 0 : v)],
      },
      { output: "cancel-a.id", outputs: out("cancel-a", "id"), inputs: [dep("cancel-a", "n_clicks", v)] },
      { output: "cancel-b.id", outputs: out("cancel-b", "id"), inputs: [dep("cancel-b", "n_clicks", v)] },
    ];
    return JSON.stringify({ ...shapes[which], changedPropIds });
  });
const bodyText = fc.oneof(
  { weight: 8, arbitrary: wellFormed },
  { weight: 3, arbitrary: payload.map((p) => JSON.stringify(p)) },
  {
    weight: 1,
    arbitrary: fc.tuple(payload, fc.nat()).map(([p, cut]) => {
      const text = JSON.stringify(p);
      return text.slice(0, cut % (text.length + 1));
    }),
  },
  { weight: 1, arbitrary: fc.json() },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.constantFrom('{"__proto__":{"output":"echo-out.children"}}', "[]", "null", "", "{}") },
);

const handle = fc.oneof(
  fc
    .constantFrom(0, 1, 2)
    .chain((i) => fc.constantFrom("cacheKey", "job").map((kind) => () => handles[i]?.[kind] ?? "")),
  printable.map((text) => () => text),
  fc.tuple(fc.constantFrom(0, 1, 2), fc.nat(60)).map(([i, at]) => () => {
    const h = handles[i]?.job ?? "";
    return `${h.slice(0, at)}x${h.slice(at + 1)}`;
  }),
);
const query = fc.record(
  {
    endId: fc.oneof(
      fc.constantFrom(0, 1).map((i) => () => endIds[i] as string),
      printable.map((text) => () => text),
    ),
    cacheKey: handle,
    job: handle,
    oldJob: fc.array(handle, { maxLength: 2 }),
    cancelJob: fc.array(handle, { maxLength: 3 }),
    extra: fc.array(fc.tuple(fc.constantFrom(...PROTO, "endId", "x"), printable), { maxLength: 2 }),
  },
  { requiredKeys: [] },
);

const path = fc.oneof(
  { weight: 24, arbitrary: fc.constant("_dash-update-component") },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "",
      "_dash-layout",
      "_dash-dependencies",
      "_favicon.ico",
      "_dash-component-suites/dash/dcc/dash_core_components.js",
      "_x",
      "a/b",
    ),
  },
  { weight: 1, arbitrary: fc.webPath().map((p) => p.replace(/^\//, "")) },
  { weight: 1, arbitrary: fc.string({ maxLength: 30 }).map((p) => `_dash-component-suites/${encodeURIComponent(p)}`) },
);
const contentType = fc.oneof(
  { weight: 16, arbitrary: fc.constantFrom("application/json", "application/json; charset=utf-8") },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      "text/plain",
      "application/x-www-form-urlencoded",
      "APPLICATION/JSON",
      "application/json;;;",
      "multipart/form-data",
    ),
  },
  { weight: 1, arbitrary: printable },
);
const requestShape = fc.record({
  method: fc.oneof(
    { weight: 8, arbitrary: fc.constant("POST") },
    fc.constantFrom("GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"),
  ),
  path,
  query,
  contentType: fc.option(contentType, { nil: undefined, freq: 20 }),
  cookie: fc.option(printable, { nil: undefined }),
  body: bodyText,
});

type RequestShape = typeof requestShape extends fc.Arbitrary<infer T> ? T : never;

function toRequest(shape: RequestShape): Request {
  const params = new URLSearchParams();
  const { endId, cacheKey, job, oldJob = [], cancelJob = [], extra = [] } = shape.query;
  if (endId) params.append("endId", endId());
  if (cacheKey) params.append("cacheKey", cacheKey());
  if (job) params.append("job", job());
  for (const h of oldJob) params.append("oldJob", h());
  for (const h of cancelJob) params.append("cancelJob", h());
  for (const [key, text] of extra) params.append(key, text);
  const headers = new Headers();
  if (shape.contentType !== undefined) headers.set("Content-Type", shape.contentType);
  if (shape.cookie !== undefined) headers.set("Cookie", shape.cookie);
  const hasBody = shape.method !== "GET" && shape.method !== "HEAD";
  return new Request(`${BASE}${shape.path}?${params}`, {
    method: shape.method,
    headers,
    ...(hasBody ? { body: shape.body } : {}),
  });
}

describe("property-based fuzz of the handler", () => {
  it(`${RUNS} generated requests: no 5xx, nothing thrown, memory bounded`, async () => {
    globalThis.gc?.();
    const heapBefore = process.memoryUsage().heapUsed;
    await fc.assert(
      fc.asyncProperty(requestShape, async (shape) => {
        expect(await call(toRequest(shape))).toBeLessThan(500);
      }),
      { numRuns: RUNS },
    );
    globalThis.gc?.();
    const grownMb = (process.memoryUsage().heapUsed - heapBefore) / 1_048_576;
    console.log(`fuzz heap growth: ${grownMb.toFixed(1)} MB`);
    expect(grownMb).toBeLessThan(256);
    const total = [...statuses.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(RUNS);
    // The generators reach the callbacks, not only the parser's refusals.
    expect((statuses.get(200) ?? 0) + (statuses.get(204) ?? 0)).toBeGreaterThan(RUNS / 10);
  }, 120_000);
});

describe("a raw-socket fuzz of the node listener", () => {
  let running: RunningApp;
  let port: number;

  beforeAll(async () => {
    running = (await makeApp().run({ port: 0, host: "127.0.0.1" })) as RunningApp;
    port = Number(new URL(running.url).port);
  });

  afterAll(async () => {
    await running?.close();
  });

  const token = fc.stringMatching(/^[!-~]{0,12}$/);
  const line = fc.tuple(
    fc.oneof(fc.constantFrom("GET", "POST", "HEAD", "TRACE", "CONNECT", "OPTIONS"), token),
    fc.oneof(fc.constantFrom("/", "/_dash-layout", "*", "http://[/", "http://x:1/"), token),
    fc.constantFrom("HTTP/1.1", "HTTP/1.0", "HTTP/2", ""),
  );
  const header = fc.tuple(
    fc.constantFrom("Host", "Content-Length", "Transfer-Encoding", "Content-Type", "X"),
    fc.string({ unit: fc.integer({ min: 0, max: 127 }).map((code) => String.fromCharCode(code)), maxLength: 20 }),
  );

  it("400 generated requests: every answer below 500, the server keeps serving", async () => {
    const raw = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(
        line,
        fc.array(header, { maxLength: 4 }),
        fc.string({ maxLength: 40 }),
        async ([method, target, version], headers, text) => {
          const bytes = request(
            [method, target, version].join(" "),
            headers.map(([n, v]) => `${n}: ${v}`),
            text,
          );
          const answer = await sendRaw(port, bytes, 1_000, { halfClose: true });
          raw.set(String(answer.status), (raw.get(String(answer.status)) ?? 0) + 1);
          expect(answer.status ?? 0).toBeLessThan(500);
        },
      ),
      { numRuns: 400 },
    );
    console.log(`raw fuzz statuses: ${JSON.stringify(Object.fromEntries(raw))}`);
    expect((await fetch(`${running.url}_dash-layout`)).status).toBe(200);
  }, 120_000);
});
