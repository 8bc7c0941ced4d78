/**
 * A process-wide set under `Symbol.for("background-callbacks.<name>")` on globalThis: the CLI and an
 * app may load two copies of the library (source and built), and both must see the same entries.
 */
export function globalSet<T>(name: string): Set<T> {
  const key = Symbol.for(`background-callbacks.${name}`);
  const slots = globalThis as { [key: symbol]: Set<T> | undefined };
  let set = slots[key];
  if (set === undefined) {
    set = new Set<T>();
    slots[key] = set;
  }
  return set;
}
