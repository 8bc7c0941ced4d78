import type { Dash, RunningApp } from "../../src/index.js";

/** A client of a running app that speaks the renderer's protocol. */
export class DashClient {
  readonly base: string;
  endId = "";

  constructor(base: string) {
    this.base = base.endsWith("/") ? base : `${base}/`;
  }

  static async start(app: Dash): Promise<{ client: DashClient; running: RunningApp }> {
    const running = (await app.run({ port: 0, host: "127.0.0.1" })) as RunningApp;
    const client = new DashClient(running.url);
    await client.loadPage();
    return { client, running };
  }

  /** Loads the index page, as a browser does, and keeps its `end_id`. */
  async loadPage(): Promise<Record<string, unknown>> {
    const html = await (await fetch(this.base)).text();
    const match = /<script id="_dash-config" type="application\/json">(.*?)<\/script>/s.exec(html);
    if (!match) throw new Error("no _dash-config in the index page");
    const config = JSON.parse(match[1] as string) as Record<string, unknown>;
    this.endId = String(config.end_id);
    return config;
  }

  /** POSTs `/_dash-update-component` with `endId` first in the query, as renderer 3.4.1 does. */
  async update(body: unknown, query: Record<string, string | string[]> = {}): Promise<Response> {
    const params = new URLSearchParams();
    if (this.endId) params.append("endId", this.endId);
    for (const [key, value] of Object.entries(query)) for (const item of [value].flat()) params.append(key, item);
    return fetch(`${this.base}_dash-update-component?${params}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
  }

  /** Runs a background callback the way the renderer does: first POST, then polls until the end. */
  async runJob(
    body: Record<string, unknown>,
    query: Record<string, string | string[]> = {},
  ): Promise<{ first: Record<string, unknown>; polls: { status: number; body: unknown }[] }> {
    const firstResponse = await this.update(body, query);
    const first = (await firstResponse.json()) as Record<string, unknown>;
    const polls: { status: number; body: unknown }[] = [];
    if (first.response !== undefined) return { first, polls };
    for (let i = 0; i < 200; i++) {
      const response = await this.poll(body, first);
      const text = await response.text();
      const parsed = text && response.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text;
      polls.push({ status: response.status, body: parsed });
      if (response.status !== 200 || (parsed as Record<string, unknown>).response !== undefined)
        return { first, polls };
    }
    throw new Error("the job never ended");
  }

  /** One poll with the handles of a first response; input values nulled as the renderer does. */
  poll(body: Record<string, unknown>, first: Record<string, unknown>): Promise<Response> {
    const nulled = {
      ...body,
      inputs: (body.inputs as Record<string, unknown>[]).map((input) => ({ ...input, value: null })),
    };
    return this.update(nulled, { cacheKey: String(first.cacheKey), job: String(first.job) });
  }
}

/** The body of a one-input, one-output callback. */
export function body(outputId: string, inputId: string, value: unknown, inputProp = "value"): Record<string, unknown> {
  return {
    output: `${outputId}.children`,
    outputs: { id: outputId, property: "children" },
    inputs: [{ id: inputId, property: inputProp, value }],
    changedPropIds: [`${inputId}.${inputProp}`],
  };
}
