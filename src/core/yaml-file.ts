import { NotRegularFile, readRegular } from './open-regular.js';
import { UserError } from './errors.js';
import { validateAgainst } from './schema-validate.js';
import { pointerSegments, positionOfPath } from './yaml-positions.js';
import { loadExternal } from './external.js';
import { visibleControls } from './visible.js';

/** A YAML file read against a JSON Schema: its data, the schema's complaints, and positions for more. */
export interface YamlFile {
  data: unknown;
  /** `file:line:col: /path: message` for every schema violation. */
  errors: string[];
  /** `file:line:col` of the node at a path (of its key when `atKey`), for checks beyond the schema. */
  at(path: readonly (string | number)[], atKey?: boolean): string;
}

/**
 * Reads a YAML file (.mailharden.yaml, a policy) keeping positions and validates it with ajv. An
 * unreadable file or a YAML syntax error stops here with every problem as `file:line:col: message`
 * (exit 2); schema violations are returned, so the caller can add its own checks and report all at once.
 */
export async function readYamlFile(abs: string, shown: string, schema: object): Promise<YamlFile> {
  return parseYamlText(readConfigText(abs, shown), shown, schema);
}

/** A configuration file's text; not a regular file or unreadable: a one-line UserError. */
export function readConfigText(abs: string, shown: string): string {
  try {
    return readRegular(abs).bytes.toString('utf8');
  } catch (e) {
    if (e instanceof NotRegularFile) throw new UserError(`${shown}: not a regular file`);
    throw new UserError(`${shown}: cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
}

/** readYamlFile for a text read already (`shown` names it in messages). */
export async function parseYamlText(text: string, shown: string, schema: object): Promise<YamlFile> {
  const { parseDocument, LineCounter, visit, isAlias, isCollection } = await loadExternal<typeof import('yaml')>('yaml');
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, prettyErrors: false, uniqueKeys: true });
  const syntax = doc.errors.map((e) => {
    const pos = counter.linePos(e.pos[0]);
    return `${shown}:${pos.line}:${pos.col}: ${e.message.split('\n')[0]}`;
  });
  if (syntax.length) throw UserError.lines(syntax);
  // A mapping or list as a key (`? [a, b]: 1`, or `? *a` for an anchored one) has no JSON form: yaml
  // would make a string of it (and warn on stderr). No file of ours has one.
  let complexKey: string | undefined;
  visit(doc, {
    Pair(_, pair) {
      const written = pair.key;
      if (!isCollection(written) && !isAlias(written)) return undefined;
      if (isAlias(written) && !isCollection(written.resolve(doc))) return undefined;
      const pos = counter.linePos(written.range?.[0] ?? 0);
      complexKey = `${shown}:${pos.line}:${pos.col}: a key must be a plain value, not a mapping or a list`;
      return visit.BREAK;
    },
  });
  if (complexKey) throw new UserError(complexKey);
  const at = (path: readonly (string | number)[], atKey = false): string => {
    const pos = positionOfPath(doc, counter, path, atKey);
    return `${shown}:${pos.line}:${pos.col}`;
  };
  let data: unknown;
  try {
    // Aliases are resolved here: an alias to no anchor, or so many that they would blow up the
    // document ("billion laughs"), is an error at the first alias (yaml's own limit is 100).
    data = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (e) {
    let where = `${shown}:1:1`;
    visit(doc, {
      Alias(_, node) {
        if (isAlias(node) && node.range) {
          const pos = counter.linePos(node.range[0]);
          where = `${shown}:${pos.line}:${pos.col}`;
          return visit.BREAK;
        }
        return undefined;
      },
    });
    throw new UserError(`${where}: ${(e as Error).message.split('\n')[0]}`);
  }
  const errors = validateAgainst(schema, data).map((err) => `${at(pointerSegments(err.pointer), err.atKey)}: ${visibleControls(err.pointer) || '/'}: ${err.message}`);
  return { data, errors, at };
}

/** Orders `file:line:col: …` messages by line and column. */
export function sortByPosition(errors: readonly string[]): string[] {
  const key = (e: string): [number, number] => {
    const m = /:(\d+):(\d+): /.exec(e);
    return m ? [Number(m[1]), Number(m[2])] : [0, 0];
  };
  return [...errors].sort((a, b) => key(a)[0] - key(b)[0] || key(a)[1] - key(b)[1]);
}
