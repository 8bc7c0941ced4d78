import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** What a handle stands for: a page load (`end`), or a job's poll (`cacheKey`) and cancel (`job`) handle. */
export type HandleKind = "end" | "job" | "cacheKey";

const SAFE = /^[A-Za-z0-9_-]{1,200}$/;

/**
 * Signs and checks the handles the browser echoes back (`end_id`, `cacheKey`, `job`, `oldJob`,
 * `cancelJob`): `<value>.<HMAC-SHA256(secret, kind, endId, callbackId, value)>`, URL-safe, checked
 * in constant time. A handle is bound to the page load (`endId`) that received it and to the
 * callback it was issued for, so neither another page load nor another callback can use it.
 */
export class HandleSigner {
  readonly #secret: Buffer;
  /** Handles that verified, by kind, page load, callback and handle: each page polls with the same ones. */
  readonly #verified = new Map<string, string>();

  constructor(secret: string | Buffer) {
    this.#secret = Buffer.isBuffer(secret) ? secret : Buffer.from(secret, "utf8");
  }

  /** A fresh page-load token: a 128-bit nonce, signed, so any process with the secret can check it. */
  newEndId(): string {
    const nonce = randomBytes(16).toString("base64url");
    return `${nonce}.${this.#mac("end", "", "", nonce)}`;
  }

  /** Whether `endId` is one this secret issued. */
  verifyEndId(endId: string): boolean {
    return this.#open("end", "", "", endId) !== undefined;
  }

  /** Signs `value` (URL-safe, no dots) as a handle of `kind` for callback `callbackId` on page load `endId`. */
  sign(kind: Exclude<HandleKind, "end">, endId: string, callbackId: string, value: string): string {
    return `${value}.${this.#mac(kind, endId, callbackId, value)}`;
  }

  /** The value inside a handle, or `undefined` unless it was signed for this `endId` and `callbackId`. */
  open(kind: Exclude<HandleKind, "end">, endId: string, callbackId: string, handle: string): string | undefined {
    return this.#open(kind, endId, callbackId, handle);
  }

  #open(kind: HandleKind, endId: string, callbackId: string, handle: string): string | undefined {
    if (typeof handle !== "string") return undefined;
    const key = `${messageOf([kind, endId, callbackId])}\n${handle}`;
    const known = this.#verified.get(key);
    if (known !== undefined) return known;
    const dot = handle.lastIndexOf(".");
    if (dot <= 0) return undefined;
    const value = handle.slice(0, dot);
    const given = Buffer.from(handle.slice(dot + 1), "utf8");
    const expected = Buffer.from(this.#mac(kind, endId, callbackId, value), "utf8");
    if (!SAFE.test(value) || given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    // Only handles that verified are kept, so forged ones cannot fill the map.
    this.#verified.set(key, value);
    if (this.#verified.size > MAX_VERIFIED) this.#verified.delete(this.#verified.keys().next().value as string);
    return value;
  }

  #mac(kind: HandleKind, endId: string, callbackId: string, value: string): string {
    return createHmac("sha256", this.#secret)
      .update(messageOf([kind, endId, callbackId, value]))
      .digest("base64url");
  }
}

/** Most verified handles one signer remembers; the oldest is dropped first. */
const MAX_VERIFIED = 10_000;

/** The fields as one string: lengths first, so no choice of fields (a callback id may hold newlines) can mimic another. */
function messageOf(fields: readonly string[]): string {
  return `${fields.map((field) => field.length).join(",")}\n${fields.join("\n")}`;
}
