import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

type Kind = "end" | "job" | "cacheKey";

const SAFE = /^[A-Za-z0-9_-]{1,200}$/;

/**
 * Signs and checks the handles the browser echoes back (`end_id`, `cacheKey`, `job`, `oldJob`,
 * `cancelJob`): `<value>.<HMAC-SHA256(secret, kind, endId, value)>`, URL-safe, checked in
 * constant time. A handle is bound to the page load (`endId`) that received it.
 */
export class HandleSigner {
  readonly #secret: Buffer;

  constructor(secret: string | Buffer) {
    this.#secret = Buffer.isBuffer(secret) ? secret : Buffer.from(secret, "utf8");
  }

  /** A fresh page-load token: a 128-bit nonce, signed, so any process with the secret can check it. */
  newEndId(): string {
    const nonce = randomBytes(16).toString("base64url");
    return `${nonce}.${this.#mac("end", "", nonce)}`;
  }

  /** Whether `endId` is one this secret issued. */
  verifyEndId(endId: string): boolean {
    return this.#open("end", "", endId) !== undefined;
  }

  /** Signs `value` (URL-safe, no dots) as a handle of `kind` bound to `endId`. */
  sign(kind: Exclude<Kind, "end">, endId: string, value: string): string {
    return `${value}.${this.#mac(kind, endId, value)}`;
  }

  /** The value inside a handle, or `undefined` when the handle was not signed for this `endId`. */
  open(kind: Exclude<Kind, "end">, endId: string, handle: string): string | undefined {
    return this.#open(kind, endId, handle);
  }

  #open(kind: Kind, endId: string, handle: string): string | undefined {
    if (typeof handle !== "string") return undefined;
    const dot = handle.lastIndexOf(".");
    if (dot <= 0) return undefined;
    const value = handle.slice(0, dot);
    const given = Buffer.from(handle.slice(dot + 1), "utf8");
    const expected = Buffer.from(this.#mac(kind, endId, value), "utf8");
    if (!SAFE.test(value) || given.length !== expected.length) return undefined;
    return timingSafeEqual(given, expected) ? value : undefined;
  }

  #mac(kind: Kind, endId: string, value: string): string {
    return createHmac("sha256", this.#secret).update(`${kind}\n${endId}\n${value}`).digest("base64url");
  }
}
