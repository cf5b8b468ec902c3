import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import ts from 'typescript';
import { EXIT, EXIT_MEANINGS } from '../src/core/exit.js';

const ROOT = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...sourceFiles(join(dir, e.name)));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(join(dir, e.name));
  }
  return out;
}

/** The expressions whose value can become the result: both branches of `a ? b : c` and `a ?? b`, the last of `a, b`. */
function results(e: ts.Expression): ts.Expression[] {
  if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e)) return results(e.expression);
  if (ts.isConditionalExpression(e)) return [...results(e.whenTrue), ...results(e.whenFalse)];
  if (ts.isBinaryExpression(e)) {
    const op = e.operatorToken.kind;
    if (op === ts.SyntaxKind.CommaToken) return results(e.right);
    if (op === ts.SyntaxKind.QuestionQuestionToken || op === ts.SyntaxKind.BarBarToken) return [...results(e.left), ...results(e.right)];
  }
  return [e];
}

const isNumber = (e: ts.Expression): boolean =>
  ts.isNumericLiteral(e) || (ts.isPrefixUnaryExpression(e) && ts.isNumericLiteral(e.operand));

/** `process.exitCode`, `x.exit`: a property access ending in this name. */
const named = (e: ts.Node, name: string): boolean => ts.isPropertyAccessExpression(e) && e.name.text === name;

/** Every place in a source text where an exit code is given as a bare number: `file:line: what`. */
function bareExitCodes(file: string, text: string): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const flag = (what: string, e: ts.Expression | undefined): void => {
    if (!e) return;
    for (const r of results(e)) {
      if (isNumber(r)) found.push(`${file}:${sf.getLineAndCharacterOfPosition(r.getStart(sf)).line + 1}: ${what} ${r.getText(sf)}`);
    }
  };
  // The functions declared to return an exit code (the command runners, apply).
  const exitFunctions: ts.Node[] = [];
  const visit = (n: ts.Node): void => {
    if ((ts.isFunctionDeclaration(n) || ts.isArrowFunction(n) || ts.isFunctionExpression(n) || ts.isMethodDeclaration(n)) && n.type && /\bExitCode\b/.test(n.type.getText(sf))) exitFunctions.push(n);
    // A command runner (src/cli/*: runLint, runApply, …) returns its command's exit code.
    else if (/^src\/cli\//.test(file) && ts.isFunctionDeclaration(n) && n.name && /^run[A-Z]/.test(n.name.text)) {
      found.push(`${file}:${sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1}: ${n.name.text} is not declared to return an ExitCode`);
    }
    if (ts.isNewExpression(n) && ts.isIdentifier(n.expression) && n.expression.text === 'UserError') flag('new UserError(…,', n.arguments?.[1]);
    if (ts.isCallExpression(n)) {
      if (named(n.expression, 'lines') && ts.isIdentifier((n.expression as ts.PropertyAccessExpression).expression) && ((n.expression as ts.PropertyAccessExpression).expression as ts.Identifier).text === 'UserError') flag('UserError.lines(…,', n.arguments[1]);
      if (named(n.expression, 'exit') || (ts.isIdentifier(n.expression) && n.expression.text === 'exit')) flag('exit(', n.arguments[0]);
    }
    if (ts.isBinaryExpression(n) && n.operatorToken.kind === ts.SyntaxKind.EqualsToken && named(n.left, 'exitCode')) flag('exitCode =', n.right);
    if (ts.isReturnStatement(n) && n.expression) {
      let f: ts.Node | undefined = n.parent;
      while (f && !ts.isFunctionLike(f)) f = f.parent;
      if (f && exitFunctions.includes(f)) flag('return', n.expression);
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

describe('exit codes', () => {
  it('the check finds a bare number in each form it looks for', () => {
    const text = [
      "throw new UserError('x', 3);",
      "throw UserError.lines(['x'], cond ? 2 : EXIT.runtime);",
      'process.exit(sig ? 130 : 143);',
      'process.exitCode = 1;',
      'function run(): ExitCode { if (a) return (write(x, 2), 0); return EXIT.ok; }',
      "throw new UserError('fine', EXIT.usage); process.exit(process.exitCode ?? EXIT.ok); const n = f(x, 2); function g(): number { return 1; }",
    ].join('\n');
    assert.deepEqual(bareExitCodes('src/cli/t.ts', `${text}\nexport function runThing(): number { return 0; }`), [
      'src/cli/t.ts:1: new UserError(…, 3',
      'src/cli/t.ts:2: UserError.lines(…, 2',
      'src/cli/t.ts:3: exit( 130',
      'src/cli/t.ts:3: exit( 143',
      'src/cli/t.ts:4: exitCode = 1',
      'src/cli/t.ts:5: return 0',
      'src/cli/t.ts:7: runThing is not declared to return an ExitCode',
    ]);
  });

  it('src/ names every exit code from EXIT (src/core/exit.ts): no UserError, exit, exitCode or command result with a bare number', () => {
    const found: string[] = [];
    for (const f of sourceFiles(join(ROOT, 'src'))) found.push(...bareExitCodes(relative(ROOT, f), readFileSync(f, 'utf8')));
    assert.deepEqual(found, []);
  });

  it('the codes are distinct, fit in a byte, and each has its meaning for the docs', () => {
    const codes = Object.values(EXIT);
    assert.equal(new Set(codes).size, codes.length);
    for (const c of codes) assert.ok(Number.isInteger(c) && c >= 0 && c <= 255);
    assert.deepEqual(Object.keys(EXIT_MEANINGS).sort(), Object.keys(EXIT).sort());
    for (const m of Object.values(EXIT_MEANINGS)) assert.ok(m.meaning.length > 0 && !m.meaning.includes('|'));
  });
});
