/** Responses of the Dash protocol. JSON always carries `Content-Type: application/json`. */

/** What a `503` asks the client to wait before it tries again. */
export const RETRY_AFTER_SECONDS = 5;

const NO_STORE = { "Cache-Control": "no-store" };

/** The body text of each response made here, so a host can send it without reading the body's stream. */
const texts = new WeakMap<Response, string | null>();

function made(text: string | null, init: ResponseInit): Response {
  const response = new Response(text, init);
  texts.set(response, text);
  return response;
}

/**
 * The body of a response made here, as text (`null`: no body), while nothing has read it; else
 * `undefined`, and the body is read from the response as usual.
 */
export function textOf(response: Response): string | null | undefined {
  return response.bodyUsed ? undefined : texts.get(response);
}

/** `200` with a JSON body (or another status). */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return made(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...NO_STORE, ...headers },
  });
}

/** `204`: nothing to update. */
export function noContent(): Response {
  return made(null, { status: 204, headers: NO_STORE });
}

/** An error the renderer shows as text: any status but 200 and 204. */
export function errorText(status: number, message: string): Response {
  return made(message, { status, headers: { "Content-Type": "text/plain; charset=utf-8", ...NO_STORE } });
}

/** Escapes JSON for a `<script>` element, so no value can close it. */
export function scriptSafeJson(value: unknown): string {
  return JSON.stringify(value)
    .replaceAll("<", "\\u003c")
    .replaceAll(">", "\\u003e")
    .replaceAll("&", "\\u0026")
    .replaceAll("\u2028", "\\u2028")
    .replaceAll("\u2029", "\\u2029");
}
