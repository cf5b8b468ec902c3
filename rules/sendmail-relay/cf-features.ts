import { cached } from '../../src/core/cache.js';
import type { Span } from '../../src/core/types.js';
import type { CfDocument } from '../../src/parsers/sendmail-cf.js';

/** A FEATURE() a sendmail.cf was built with, as m4 recorded it. */
export interface CfFeature {
  name: string;
  span: Span;
}

/**
 * The FEATUREs named by the VERSIONID comments m4 writes into a generated cf. Every feature file
 * starts with `divert(0) VERSIONID(...)`, so `FEATURE(\`relay_based_on_MX')` leaves the line
 * `#####  $Id: relay_based_on_MX.m4,v 8.12 ... $  #####` near the top of the cf. Other m4 files
 * (cfhead, proto, the mailers) leave such lines too, so callers look for the feature names they know.
 * A cf written by hand, or stripped of comments, has none: absence proves nothing.
 */
export function featuresOfCf(doc: CfDocument): CfFeature[] {
  // Several rules ask for the features of the same document: read them once.
  return cached(doc, 'cf.features', readFeatures);
}

function readFeatures(doc: CfDocument): CfFeature[] {
  const out: CfFeature[] = [];
  if (!doc.file.text.includes('$Id: ')) return out;
  const { lines } = doc;
  for (let i = 0; i < lines.length; i++) {
    if (lines.kind(i) !== 'comment') continue;
    const head = lines.head(i);
    const m = /^#+[ \t]+\$Id: (\w+)\.m4,v /.exec(head);
    if (m) out.push({ name: m[1]!, span: doc.file.span(lines.startLine(i), 1, head.length) });
  }
  return out;
}
