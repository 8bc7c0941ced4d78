import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Dash, RunningApp } from "../../src/index.js";
import { BASE, known, requestShape, toRequest } from "../fixtures/fuzz-requests.js";
import { makeApp } from "../fixtures/hardening-app.js";
import { request, sendRaw } from "../fixtures/raw-http.js";

// Generated requests against a real app (normal and background callbacks, jobs on worker
// processes): none may get a 5xx, none may throw, and memory stays bounded.
const RUNS = 10_000;
let app: Dash;
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
  const endIds = [await pageEndId(), await pageEndId()];
  known.endIds = endIds;
  known.handles = await Promise.all([
    startJob("bg-a-out", "bg-a-in", endIds[0] as string),
    startJob("bg-b-out", "bg-b-in", endIds[0] as string),
    startJob("ctx-out", "ctx-in", endIds[1] as string),
  ]);
});

afterAll(async () => {
  console.log(`fuzz statuses: ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`);
  await Promise.all((await app.managers()).map((manager) => manager.close()));
});

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
