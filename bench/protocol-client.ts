/**
 * A renderer-like client for bench/protocol.ts: loads the index page for its `end_id`, POSTs
 * `/_dash-update-component` with `Content-Type: application/json`, then polls with the handles of
 * the first response every `interval`, as dash-renderer does. Keep-alive connections, as a browser.
 */
import { Agent, request } from "node:http";

export const now = () => performance.timeOrigin + performance.now();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export type Answer = Record<string, unknown> & { response?: Record<string, Record<string, unknown>> };

export class ProtocolClient {
  readonly #agent: Agent;
  readonly #url: URL;
  #endId = "";

  constructor(base: string, connections = 16) {
    this.#url = new URL(base);
    this.#agent = new Agent({ keepAlive: true, maxSockets: connections });
  }

  async loadPage(): Promise<void> {
    const { text } = await this.#send("GET", "/");
    const match = /<script id="_dash-config" type="application\/json">(.*?)<\/script>/s.exec(text);
    if (!match) throw new Error("no _dash-config in the index page");
    this.#endId = String((JSON.parse(match[1] as string) as Record<string, unknown>).end_id);
  }

  /** One POST; with `handles`, a poll (inputs nulled, as the renderer sends them). */
  async update(input: string, value: unknown, handles?: Answer): Promise<{ status: number; answer: Answer }> {
    const params = new URLSearchParams({ endId: this.#endId });
    if (handles) {
      params.append("cacheKey", String(handles.cacheKey));
      params.append("job", String(handles.job));
    }
    const payload = {
      output: `${input}-out.children`,
      outputs: { id: `${input}-out`, property: "children" },
      inputs: [{ id: `${input}-in`, property: "value", value: handles ? null : value }],
      changedPropIds: [`${input}-in.value`],
    };
    const { status, text } = await this.#send("POST", `/_dash-update-component?${params}`, JSON.stringify(payload));
    if (status !== 200) throw new Error(`HTTP ${status}: ${text.slice(0, 200)}`);
    return { status, answer: JSON.parse(text) as Answer };
  }

  /** A click as the renderer runs it: the first POST, then a poll every `interval` until the result. */
  async click(input: string, value: unknown, interval: number, onAnswer?: (a: Answer) => void): Promise<Answer> {
    let { answer } = await this.update(input, value);
    const handles = answer;
    while (answer.response === undefined) {
      await sleep(interval);
      answer = (await this.update(input, value, handles)).answer;
      onAnswer?.(answer);
    }
    return answer;
  }

  close(): void {
    this.#agent.destroy();
  }

  #send(method: string, path: string, body?: string): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.#url.hostname,
          port: this.#url.port,
          path: `${this.#url.pathname.replace(/\/$/, "")}${path}`,
          method,
          agent: this.#agent,
          headers: body
            ? {
                "Content-Type": "application/json",
                Accept: "application/json",
                "Content-Length": Buffer.byteLength(body),
              }
            : {},
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(body);
    });
  }
}

/** The `children` of the answer's output. */
export function resultOf(answer: Answer, input: string): unknown {
  return answer.response?.[`${input}-out`]?.children;
}

export const quantile = (values: number[], q: number): number =>
  values.length === 0 ? Number.NaN : ([...values].sort((a, b) => a - b)[Math.floor((values.length - 1) * q)] as number);
