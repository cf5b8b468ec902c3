/**
 * Where a formatter writes: text in pieces, handed on in batches of about 64 KiB, so that no string
 * holds a whole report (a report of some hundred thousand findings passes V8's longest string, and
 * its memory would follow the findings). The CLI hands the batches to the output's descriptor as they
 * come; `collect()` joins them for the callers that want the report as one string.
 */
export class Sink {
  private parts: string[] = [];
  private size = 0;

  constructor(
    private readonly out: (batch: string) => void,
    private readonly limit = 1 << 16,
  ) {}

  /** Text as it is. */
  write(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= this.limit) this.flush();
  }

  /** Lines, each ended by a newline. */
  push(...lines: string[]): void {
    for (const l of lines) this.write(`${l}\n`);
  }

  /** Hands on what is held. */
  flush(): void {
    if (this.parts.length === 0) return;
    const batch = this.parts.join('');
    this.parts = [];
    this.size = 0;
    this.out(batch);
  }
}

/** A formatter's output as one string (for a report that fits one). */
export function collect(render: (out: Sink) => void): string {
  const batches: string[] = [];
  const sink = new Sink((b) => batches.push(b));
  render(sink);
  sink.flush();
  return batches.join('');
}

/** What stands for the array a JSON document streams, in the document around it. */
export const HOLE = '\u0001mailharden-stream-hole\u0001';

/**
 * `stringifyVisible(doc, 2)` of a document one of whose values is a long array, written an element at
 * a time: `doc` is the document with HOLE in the array's place, `items` the array's elements. The same
 * bytes as the whole document at once (JSON.stringify indents an element by its depth, and a string
 * holds no raw newline, so each line of an element alone is shifted by that depth).
 */
export function writeJsonWithArray(out: Sink, doc: unknown, items: Iterable<unknown>, stringify: (value: unknown, indent: number) => string): void {
  const text = stringify(doc, 2);
  const hole = JSON.stringify(HOLE);
  const at = text.indexOf(hole);
  const indent = /^ */.exec(text.slice(text.lastIndexOf('\n', at) + 1))![0];
  const pad = `${indent}  `;
  out.write(text.slice(0, at));
  let first = true;
  for (const item of items) {
    out.write(`${first ? '[\n' : ',\n'}${pad}${stringify(item, 2).replace(/\n/g, `\n${pad}`)}`);
    first = false;
  }
  out.write(first ? '[]' : `\n${indent}]`);
  out.write(text.slice(at + hole.length));
}

/** `fn` of each element of `list`, made as the elements are asked for (null results left out). */
export function* mapped<T, U>(list: Iterable<T>, fn: (t: T) => U | null): Generator<U> {
  for (const t of list) {
    const u = fn(t);
    if (u !== null) yield u;
  }
}
