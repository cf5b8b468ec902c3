import type { AnyRule, RuleKind } from './rule.js';

/** A rule id, `MHnnnn`. */
export type RuleId = `MH${number}`;

/**
 * A folder of rules, `rules/<name>/`, declared in its index.ts: the range its ids are taken from, what
 * its rules look at, and the rules. rules/index.ts builds the registry from the groups;
 * test/rules-meta.test.ts checks the ranges and docs/writing-rules.md lists them (scripts/build-docs.ts).
 */
export interface RuleGroup {
  /** The folder under rules/. */
  name: string;
  /** What its rules are about, a phrase for the id table. */
  title: string;
  /** The ids its rules take, both ends included; groups never overlap, and an id is never reused. */
  ids: { from: RuleId; to: RuleId };
  /** The kinds its rules may apply to. */
  kinds: readonly RuleKind[];
  rules: readonly AnyRule[];
}

/** Declares a rule group (types only: the test checks what types cannot). */
export function defineGroup(group: RuleGroup): RuleGroup {
  return group;
}

/** Whether an id is inside a group's range (ids are four digits, so their text sorts as their numbers do). */
export function inRange(id: string, ids: RuleGroup['ids']): boolean {
  return /^MH\d{4}$/.test(id) && id >= ids.from && id <= ids.to;
}
