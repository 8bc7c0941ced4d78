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

  constructor(status: number, message: string, options: { closeConnection?: boolean } = {}) {
    super(message);
    this.status = status;
    this.closeConnection = options.closeConnection ?? false;
  }
}

/** Reads the body as text, refusing more than `maxBytes` without reading it all. */
export async function readBody(request: Request, maxBytes: number): Promise<string> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  const tooLarge = () =>
    new RequestError(413, `Request body too large: more than ${maxBytes} bytes`, { closeConnection: true });
  if (declared > maxBytes) throw tooLarge();
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
export function parsePayload(text: string): UpdatePayload {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new RequestError(400, "Malformed request: the body is not JSON");
  }
  if (body === null || typeof body !== "object" || Array.isArray(body) || !isJson(body)) {
    throw new RequestError(400, "Malformed request: expected a JSON object");
  }
  const { output, outputs, inputs, state, changedPropIds } = body as Record<string, unknown>;
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
