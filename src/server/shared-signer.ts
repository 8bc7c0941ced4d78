import { type BackgroundCallbackError, isErrorCode } from "../errors.js";
import { type HandleKind, HandleSigner } from "./handles.js";

/** How a {@link SharedSigner} keeps its secret equal to the one its source holds. */
export interface SharedSignerOptions {
  /** Reads the secret all web processes share (the manager's `sharedSecret()`); none: the secret never changes. */
  readonly read?: (() => Promise<string>) | undefined;
  /** Least time between two reads caused by a handle that failed to verify. @default 1_000 */
  readonly minRereadMs?: number;
  /** Time between reads in the background. @default 30_000 */
  readonly rereadEveryMs?: number;
  /** Where a failed read or a changed secret is reported. */
  readonly log?: ((message: string, error?: unknown) => void) | undefined;
}

/**
 * A {@link HandleSigner} whose secret follows a shared source. Web processes that lost agreement
 * (the backend lost the secret and a new process stored another one) converge: a handle that does
 * not verify makes the signer re-read the source (at most once per `minRereadMs`) and, if the
 * secret changed, adopt it and verify again. One secret at a time: handles signed with the
 * previous one are refused from then on.
 */
export class SharedSigner {
  #secret: string;
  #signer: HandleSigner;
  #lastRead = 0;
  #reading: Promise<boolean> | undefined;
  /** The error of the last read, while the source is unreachable. */
  #unreachable: BackgroundCallbackError | undefined;
  readonly #options: SharedSignerOptions;
  readonly #timer: NodeJS.Timeout | undefined;

  constructor(secret: string, options: SharedSignerOptions = {}) {
    this.#secret = secret;
    this.#signer = new HandleSigner(secret);
    this.#options = options;
    if (options.read !== undefined) {
      this.#timer = setInterval(() => void this.#reread(true), options.rereadEveryMs ?? 30_000);
      this.#timer.unref();
    }
  }

  /** A fresh signed page-load token. */
  newEndId(): string {
    return this.#signer.newEndId();
  }

  /** Signs a handle with the current secret. */
  sign(kind: Exclude<HandleKind, "end">, endId: string, callbackId: string, value: string): string {
    return this.#signer.sign(kind, endId, callbackId, value);
  }

  /** Whether `endId` was issued with the shared secret (re-reading it once if not). */
  async verifyEndId(endId: string): Promise<boolean> {
    return (await this.#check((signer) => (signer.verifyEndId(endId) ? true : undefined))) === true;
  }

  /** The value inside a handle signed for `endId` and `callbackId`, or `undefined`. */
  open(
    kind: Exclude<HandleKind, "end">,
    endId: string,
    callbackId: string,
    handle: string,
  ): Promise<string | undefined> {
    return this.openAny(kind, endId, [callbackId], handle);
  }

  /**
   * The value inside a handle signed for `endId` and any of `callbackIds`, or `undefined`. The
   * secret is re-read only when none of them verifies.
   */
  openAny(
    kind: Exclude<HandleKind, "end">,
    endId: string,
    callbackIds: readonly string[],
    handle: string,
  ): Promise<string | undefined> {
    return this.#check((signer) => {
      for (const callbackId of callbackIds) {
        const value = signer.open(kind, endId, callbackId, handle);
        if (value !== undefined) return value;
      }
      return undefined;
    });
  }

  /** Stops the background re-reads. */
  close(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
  }

  /**
   * Checks with the current secret, else with a re-read one. While the source is unreachable a
   * failed check cannot say "forged": it rejects with the `BACKEND` error (the caller answers 503).
   */
  async #check<T>(check: (signer: HandleSigner) => T | undefined): Promise<T | undefined> {
    const first = check(this.#signer);
    if (first !== undefined || this.#options.read === undefined) return first;
    if (await this.#reread(false)) return check(this.#signer);
    if (this.#unreachable !== undefined) throw this.#unreachable;
    return undefined;
  }

  /** Re-reads the secret; whether it changed. Concurrent callers share one read. */
  #reread(scheduled: boolean): Promise<boolean> {
    const read = this.#options.read;
    if (read === undefined) return Promise.resolve(false);
    if (this.#reading !== undefined) return this.#reading;
    if (!scheduled && Date.now() - this.#lastRead < (this.#options.minRereadMs ?? 1_000)) {
      return Promise.resolve(false);
    }
    this.#lastRead = Date.now();
    this.#reading = read()
      .then((secret) => {
        this.#unreachable = undefined;
        return this.#adopt(secret);
      })
      .catch((error: unknown) => {
        if (isErrorCode(error, "BACKEND")) this.#unreachable = error;
        this.#options.log?.("Cannot re-read the shared secret; keeping the current one", error);
        return false;
      })
      .finally(() => {
        this.#reading = undefined;
      });
    return this.#reading;
  }

  #adopt(secret: unknown): boolean {
    if (typeof secret !== "string" || secret.length === 0 || secret === this.#secret) return false;
    this.#secret = secret;
    this.#signer = new HandleSigner(secret);
    this.#options.log?.(
      "The shared secret changed in the backend: handles signed with the previous one are refused now",
    );
    return true;
  }
}
