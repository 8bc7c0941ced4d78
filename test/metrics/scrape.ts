/** Reading Prometheus text exposition in the metrics tests. */

/** One sample line: `name{labels} value`. */
interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** The samples of a scrape (comments skipped). Throws on a line that is not a sample. */
export function parseSamples(text: string): Sample[] {
  return text
    .split("\n")
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const match = LINE.exec(line);
      if (match === null) throw new Error(`Not a sample line: ${line}`);
      const labels = Object.fromEntries([...(match[2] ?? "").matchAll(LABEL)].map((m) => [m[1], m[2]]));
      return { name: match[1] as string, labels, value: Number(match[3]) };
    });
}

/** A scrape's samples, read by name and labels. */
export class Scrape {
  readonly samples: Sample[];

  constructor(readonly text: string) {
    this.samples = parseSamples(text);
  }

  static async of(url: string): Promise<Scrape> {
    const response = await fetch(url);
    if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
    return new Scrape(await response.text());
  }

  /** The value of the one sample named `name` with these labels (others ignored); throws unless exactly one. */
  value(name: string, labels: Record<string, string> = {}): number {
    const found = this.#matching(name, labels);
    if (found.length !== 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
    return (found[0] as Sample).value;
  }

  /** The sum of every sample named `name` whose labels include these. */
  sum(name: string, labels: Record<string, string> = {}): number {
    return this.#matching(name, labels).reduce((total, sample) => total + sample.value, 0);
  }

  #matching(name: string, labels: Record<string, string>): Sample[] {
    return this.samples.filter(
      (sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value),
    );
  }

  /** Whether a family of this name has any sample. */
  has(name: string): boolean {
    return this.samples.some((sample) => sample.name === name);
  }
}
