import { readFileSync } from "node:fs";
import { createServer, get as httpGet, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { negotiate } from "../../src/server/asset-encoding.js";
import { ASSET_TABLE } from "../../src/server/asset-list.js";
import { createAssets } from "../../src/server/assets.js";
import { toNodeListener } from "../../src/server/node.js";

const SUITES = "/_dash-component-suites/";
const vendorDir = fileURLToPath(new URL("../../vendor", import.meta.url));

const REACT = "dash/deps/react@18.3.1.min.js";
const PLOTLY = ASSET_TABLE.find((asset) => asset.pkg === "plotly.js-dist-min")?.url ?? "";
const SAMPLES = [REACT, "dash/dash-renderer/build/dash_renderer.min.js", "dash/dcc/async-graph.js.map", PLOTLY];

const original = (url: string): Buffer => {
  const asset = ASSET_TABLE.find((entry) => entry.url === url);
  if (asset === undefined) throw new Error(`not in the table: ${url}`);
  return readFileSync(join(vendorDir, asset.pkg, asset.file));
};

const decode = (coding: string | null, bytes: Buffer): Buffer =>
  coding === "br" ? brotliDecompressSync(bytes) : coding === "gzip" ? gunzipSync(bytes) : bytes;

const request = (path: string, headers: Record<string, string> = {}, method = "GET"): Request =>
  new Request(`http://localhost${SUITES}${path}`, { method, headers });

describe("Accept-Encoding negotiation", () => {
  it.each([
    [null, "identity"],
    ["", "identity"],
    ["gzip, deflate, br, zstd", "br"],
    ["gzip", "gzip"],
    ["x-gzip", "gzip"],
    ["GZIP", "gzip"],
    ["br;q=0.5, gzip;q=0.8", "gzip"],
    ["br;q=1.0, gzip;q=1.0", "br"],
    ["br;q=0, gzip", "gzip"],
    ["br;q=0, gzip;q=0", "identity"],
    ["identity", "identity"],
    ["gzip;q=0.5, identity", "identity"],
    ["*", "br"],
    ["*;q=0.5, br;q=0", "gzip"],
    ["*;q=0", "identity"],
    ["identity;q=0", "identity"],
    ["deflate", "identity"],
    ["br;q=nonsense, gzip;q=0.1", "gzip"],
    [" , ;q=1, br ; q = 0.9 ", "br"],
  ])("%j → %s", (header, expected) => {
    expect(negotiate(header)).toBe(expected);
  });
});

describe("compressed front-end files", () => {
  it.each(["br", "gzip"])("%s decodes to the exact original bytes, with Vary and its own ETag", async (coding) => {
    const assets = createAssets();
    for (const url of SAMPLES) {
      const response = await assets.serve(url, request(url, { "accept-encoding": coding }));
      expect(response.status, url).toBe(200);
      expect(response.headers.get("content-encoding"), url).toBe(coding);
      expect(response.headers.get("vary"), url).toBe("Accept-Encoding");
      const body = Buffer.from(await response.arrayBuffer());
      expect(Number(response.headers.get("content-length")), url).toBe(body.byteLength);
      expect(body.byteLength, url).toBeLessThan(original(url).byteLength);
      expect(decode(coding, body).equals(original(url)), url).toBe(true);
      const identity = await assets.serve(url, request(url));
      expect(identity.headers.get("etag"), url).not.toBe(response.headers.get("etag"));
    }
  });

  it("serves identity with Vary when the client accepts no coding", async () => {
    const response = await createAssets().serve(REACT, request(REACT, { "accept-encoding": "deflate" }));
    expect(response.headers.get("content-encoding")).toBeNull();
    expect(response.headers.get("vary")).toBe("Accept-Encoding");
    expect(Buffer.from(await response.arrayBuffer()).equals(original(REACT))).toBe(true);
  });

  it("compresses once for overlapping first requests, and every answer is the same bytes", async () => {
    const assets = createAssets();
    const responses = await Promise.all(
      Array.from({ length: 6 }, () => assets.serve(PLOTLY, request(PLOTLY, { "accept-encoding": "br" }))),
    );
    const bodies = await Promise.all(responses.map(async (response) => Buffer.from(await response.arrayBuffer())));
    for (const body of bodies) expect(body.equals(bodies[0] as Buffer)).toBe(true);
    expect(new Set(responses.map((response) => response.headers.get("etag"))).size).toBe(1);
    expect(brotliDecompressSync(bodies[0] as Buffer).equals(original(PLOTLY))).toBe(true);
  });

  it("answers 304 to the ETag of the same coding only", async () => {
    const assets = createAssets();
    const br = await assets.serve(REACT, request(REACT, { "accept-encoding": "br" }));
    const etag = br.headers.get("etag") ?? "";
    expect(etag).toMatch(/^"[\w-]+-br"$/);
    const again = await assets.serve(REACT, request(REACT, { "accept-encoding": "br", "if-none-match": etag }));
    expect(again.status).toBe(304);
    expect(again.headers.get("vary")).toBe("Accept-Encoding");
    expect(again.headers.get("etag")).toBe(etag);
    const other = await assets.serve(REACT, request(REACT, { "accept-encoding": "gzip", "if-none-match": etag }));
    expect(other.status).toBe(200);
    expect(other.headers.get("content-encoding")).toBe("gzip");
  });

  it("answers HEAD with the Content-Length of the coding it would send", async () => {
    const assets = createAssets();
    const head = await assets.serve(REACT, request(REACT, { "accept-encoding": "gzip" }, "HEAD"));
    expect(head.body).toBeNull();
    expect(head.headers.get("content-encoding")).toBe("gzip");
    const got = await assets.serve(REACT, request(REACT, { "accept-encoding": "gzip" }));
    const body = Buffer.from(await got.arrayBuffer());
    expect(Number(head.headers.get("content-length"))).toBe(body.byteLength);
  });
});

describe("over HTTP", () => {
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    const assets = createAssets();
    server = createServer(toNodeListener((req) => assets.serve(new URL(req.url).pathname.slice(SUITES.length), req)));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  /** The raw body bytes as they came over the socket (node:http does not decode). */
  const fetchRaw = (path: string, encoding: string) =>
    new Promise<{ headers: Record<string, unknown>; body: Buffer }>((resolve, reject) => {
      httpGet({ port, host: "127.0.0.1", path, headers: { "accept-encoding": encoding } }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("end", () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
        res.on("error", reject);
      }).on("error", reject);
    });

  it.each(["br", "gzip", "identity"])("%s: Content-Length equals the bytes on the wire", async (coding) => {
    for (const url of [REACT, PLOTLY]) {
      const { headers, body } = await fetchRaw(`${SUITES}${url}`, coding);
      expect(headers["transfer-encoding"], url).toBeUndefined();
      expect(Number(headers["content-length"]), url).toBe(body.byteLength);
      expect(headers.vary, url).toBe("Accept-Encoding");
      expect(headers["content-encoding"], url).toBe(coding === "identity" ? undefined : coding);
      expect(decode(coding, body).equals(original(url)), url).toBe(true);
    }
  });
});
