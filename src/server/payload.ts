import type { Json } from "../manager/contract.js";
import { isJson } from "../manager/validate.js";

/** A dependency as the renderer sends it: concrete id, prop, and (for inputs and state) value. */
export interface WireDependency {
  readonly id: string | Record<string, Json>;
  readonly property: string;
  readonly value?: Json;
}

/** One entry of `inputs`/`state`/`outputs`: a dependency, or a list of them for wildcards. */
export type WireEntry = WireDependency | readonly WireDependency[];

/** The body of `POST /_dash-update-component`. */
export interface UpdatePayload {
  readonly output: string;
  readonly outputs?: WireEntry | readonly WireEntry[];
  readonly inputs: readonly WireEntry[];
  readonly state?: readonly WireEntry[];
  readonly changedPropIds?: readonly string[];
}

/** Thrown for a request the server refuses: becomes a 4xx with this message. */
export class RequestError extends Error {
  readonly status: number;
  /** The body was not read to its end: the connection cannot carry another request. */
  readonly closeConnection: boolean;
  /** Headers of the answer (`Allow` of a 405, `Retry-After` of a 503). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: number,
    message: string,
    options: { closeConnection?: boolean; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.status = status;
    this.closeConnection = options.closeConnection ?? false;
    this.headers = options.headers ?? {};
  }
}

/**
 * Refuses a body that is not declared JSON (`415`). Browsers send `text/plain`, form and
 * multipart bodies cross-site without asking; `application/json` needs a CORS preflight, which
 * this server never grants, so no other site can make a visitor's browser start a job.
 */
export function requireJson(request: Request): void {
  const type = request.headers.get("content-type") ?? "";
  const mediaType = type.split(";", 1)[0]?.trim().toLowerCase();
  if (mediaType !== "application/json") {
    throw new RequestError(
      415,
      `Unsupported Content-Type ${JSON.stringify(type.slice(0, 100))}: _dash-update-component takes application/json`,
      { closeConnection: true },
    );
  }
}

/**
 * How deep `text` nests arrays and objects, counted without recursion and stopping once past
 * `limit` (so a body nested 100,000 deep costs no stack and little time).
 */
export function jsonDepth(text: string, limit: number): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 92) i++;
      else if (code === 34) inString = false;
    } else if (code === 34) inString = true;
    else if (code === 91 || code === 123) {
      depth++;
      if (depth > max) max = depth;
      if (max > limit) return max;
    } else if (code === 93 || code === 125) depth--;
  }
  return max;
}

/** Bodies a host read before it made the request (see {@link withReadBody}). */
const readBodies = new WeakMap<Request, Buffer>();

/**
 * Gives `request` the body its host has read already (the same bytes as its own body), so
 * {@link readBody} takes it as it is instead of through the body's stream.
 */
export function withReadBody(request: Request, body: Buffer): Request {
  readBodies.set(request, body);
  return request;
}

/** Reads the body as text, refusing more than `maxBytes` without reading it all. */
export async function readBody(request: Request, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  const tooLarge = () =>
    new RequestError(413, `Request body too large: more than ${maxBytes} bytes`, { closeConnection: true });
  if (declared > maxBytes) throw tooLarge();
  const read = readBodies.get(request);
  if (read !== undefined) {
    readBodies.delete(request);
    if (read.byteLength > maxBytes) throw tooLarge();
    return read.toString("utf8");
  }
  if (request.body === null) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

const isDep = (value: unknown): value is WireDependency => {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const { id, property } = value as Record<string, unknown>;
  const idOk = typeof id === "string" || (id !== null && typeof id === "object" && !Array.isArray(id));
  return idOk && typeof property === "string";
};

const isEntry = (value: unknown): boolean => isDep(value) || (Array.isArray(value) && value.every(isDep));

/** Parses and checks the body; a malformed one throws a 400 {@link RequestError} that says what is wrong. */
export function parsePayload(text: string, maxDepth: number): UpdatePayload {
  if (jsonDepth(text, maxDepth) > maxDepth) {
    throw new RequestError(400, `Malformed request: the body nests JSON deeper than ${maxDepth} levels (maxJsonDepth)`);
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new RequestError(400, "Malformed request: the body is not JSON");
  }
  if (body === null || typeof body !== "object" || Array.isArray(body) || !isJson(body)) {
    throw new RequestError(400, "Malformed request: expected a JSON object");
  }
  const field = (name: string): unknown =>
    Object.hasOwn(body, name) ? (body as Record<string, unknown>)[name] : undefined;
  const [output, outputs, inputs, state, changedPropIds] = [
    "output",
    "outputs",
    "inputs",
    "state",
    "changedPropIds",
  ].map(field);
  if (typeof output !== "string" || output.length === 0) {
    throw new RequestError(400, "Malformed request: `output` must be the callback id string");
  }
  if (!Array.isArray(inputs) || !inputs.every(isEntry)) {
    throw new RequestError(400, "Malformed request: `inputs` must be a list of {id, property, value}");
  }
  if (state !== undefined && (!Array.isArray(state) || !state.every(isEntry))) {
    throw new RequestError(400, "Malformed request: `state` must be a list of {id, property, value}");
  }
  if (outputs !== undefined && !(isEntry(outputs) || (Array.isArray(outputs) && outputs.every(isEntry)))) {
    throw new RequestError(400, "Malformed request: `outputs` must be {id, property} or a list of them");
  }
  if (
    changedPropIds !== undefined &&
    (!Array.isArray(changedPropIds) || !changedPropIds.every((p) => typeof p === "string"))
  ) {
    throw new RequestError(400, "Malformed request: `changedPropIds` must be a list of strings");
  }
  return body as unknown as UpdatePayload;
}
