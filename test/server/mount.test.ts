import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { callback, Dash, hardenServer, html, Input, Output } from "../../src/index.js";
import { request, sendRaw } from "../fixtures/raw-http.js";

// One app mounted the way Express's `app.use("/dash", dash.listener)` does: the framework strips
// "/dash" from the URL before the app sees it, while the browser keeps using "/dash/...".
const app = new Dash({ routesPathnamePrefix: "/", requestsPathnamePrefix: "/dash/", title: "Mounted" });
app.layout = html.Div([html.Button({ id: "mount-in" }), html.P({ id: "mount-out" })]);
callback(
  { output: Output("mount-out", "children"), inputs: Input("mount-in", "n_clicks") },
  (n: number | null) => `n=${n}`,
);

const server = hardenServer(
  createServer((req, res) => {
    if (!req.url?.startsWith("/dash/")) {
      res.writeHead(404).end("outside the app");
      return;
    }
    req.url = req.url.slice("/dash".length);
    app.listener(req, res);
  }),
);
let base = "";

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dash/`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("an app mounted inside another server", () => {
  it("tells the browser to use the mount path, and serves every route under it", async () => {
    const page = await (await fetch(base)).text();
    expect(page).toContain('"requests_pathname_prefix":"/dash/"');
    const scripts = [...page.matchAll(/<script src="([^"]+)"/g)].map((match) => match[1] as string);
    expect(scripts.length).toBeGreaterThan(4);
    for (const src of scripts) {
      expect(src.startsWith("/dash/_dash-component-suites/")).toBe(true);
      expect((await fetch(new URL(src, base), { method: "HEAD" })).status).toBe(200);
    }
    expect(await (await fetch(`${base}_dash-layout`)).json()).toMatchObject({ type: "Div" });
    const update = await fetch(`${base}_dash-update-component`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        output: "mount-out.children",
        outputs: { id: "mount-out", property: "children" },
        inputs: [{ id: "mount-in", property: "n_clicks", value: 2 }],
        changedPropIds: ["mount-in.n_clicks"],
      }),
    });
    expect(await update.json()).toEqual({ multi: true, response: { "mount-out": { children: "n=2" } } });
  });

  it("works as a fetch-style handler too", async () => {
    const response = await app.fetch(new Request("http://internal/_dash-dependencies"));
    expect(response.headers.get("content-type")).toContain("application/json");
    expect(await response.json()).toEqual([expect.objectContaining({ output: "mount-out.children" })]);
  });

  it("refuses prefixes that do not start and end with a slash", () => {
    expect(() => new Dash({ requestsPathnamePrefix: "dash" })).toThrow(
      /`requestsPathnamePrefix` to start and end with "\/"/,
    );
  });

  it("answers broken framing and CONNECT itself once hardened, and stays up", async () => {
    const { port } = server.address() as AddressInfo;
    const broken = await sendRaw(port, request("GET /dash/ HTTP/1.1", ["Host x"]));
    expect(broken.status).toBe(400);
    expect(broken.headers.connection).toBe("close");
    const connect = await sendRaw(port, request("CONNECT 127.0.0.1:1 HTTP/1.1", ["Host: 127.0.0.1"]));
    expect(connect.status).toBe(405);
    expect(connect.headers.allow).toBe("GET, HEAD, POST");
    expect((await fetch(`${base}_dash-layout`)).status).toBe(200);
  });

  it("hardens a server once however often it is called, and refuses what is not a server", () => {
    const listeners = server.listenerCount("clientError");
    expect(hardenServer(server)).toBe(server);
    expect(server.listenerCount("clientError")).toBe(listeners);
    for (const bad of [undefined, null, {}, app.listener, { on() {} }]) {
      expect(() => hardenServer(bad as never)).toThrow(/Expected `server` to be a node:http or node:https server/);
    }
  });
});
