import { createHash } from 'node:crypto';
import { byCodeUnit } from '../core/compare.js';
import { docUrl, summarize, type LintReport } from '../core/report.js';
import { SEVERITIES, type Finding, type Severity } from '../core/types.js';
import { visibleControls } from '../core/visible.js';
import { withStigIds } from '../core/stig.js';
import { isUri, locationText } from './location.js';
import { collect, type Sink } from './sink.js';

/** Options of the HTML report: when it was made (the formatter reads no clock). */
export interface HtmlOptions {
  /** ISO 8601 date and time shown in the header. */
  generated: string;
}

const ENTITY: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text from a file, a file name or a message, for HTML text or a quoted attribute: controls shown as escapes, markup characters as entities. */
export function htmlText(s: string): string {
  return visibleControls(s).replace(/[&<>"']/g, (c) => ENTITY[c]!);
}

/**
 * The host a path belongs to, in a repository of hosts laid out like '/' (`hosts/mx1/etc/aliases` is
 * mx1's, at `hosts/mx1`): the path before its first `etc`, `var`, `service` or `usr` directory. A path
 * without one is grouped by its directory; a live probe's server is its own host.
 */
export function hostOf(file: string): string {
  if (isUri(file)) return file;
  const parts = file.split('/');
  const at = parts.findIndex((p, i) => i < parts.length - 1 && ['etc', 'var', 'service', 'usr'].includes(p));
  // A path of the system itself (`/etc/aliases`) is the host `/`; one relative to a host's tree (`etc/aliases`), `.`.
  if (at === 0) return '.';
  if (at > 0) return parts.slice(0, at).join('/') || '/';
  return parts.length > 1 ? parts.slice(0, -1).join('/') || '/' : '.';
}

const STYLE = `
:root{--critical:#7b1fa2;--high:#c62828;--medium:#e65100;--low:#1565c0;--info:#546e7a;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1c1c1c;background:#fafafa}
body{margin:0 auto;max-width:72rem;padding:1rem 1.5rem}
h1{font-size:1.6rem;margin:.2rem 0}h2{font-size:1.25rem;margin:1.6rem 0 .4rem;border-bottom:2px solid #ddd;padding-bottom:.2rem}h3{font-size:1rem;margin:1rem 0 .3rem;font-family:ui-monospace,monospace;word-break:break-all}
.meta{color:#555;margin:0 0 1rem}
table{border-collapse:collapse;margin:.4rem 0 1rem;background:#fff}th,td{border:1px solid #ddd;padding:.25rem .6rem;text-align:left;vertical-align:top}td.n{text-align:right;font-variant-numeric:tabular-nums}
.summary{display:flex;flex-wrap:wrap;gap:1.5rem;align-items:flex-start}
.badge{display:inline-block;min-width:4.5em;text-align:center;border-radius:3px;color:#fff;font-size:.8rem;font-weight:600;padding:0 .4em;text-transform:uppercase}
.sev-critical .badge,.badge.sev-critical{background:var(--critical)}.sev-high .badge,.badge.sev-high{background:var(--high)}.sev-medium .badge,.badge.sev-medium{background:var(--medium)}.sev-low .badge,.badge.sev-low{background:var(--low)}.sev-info .badge,.badge.sev-info{background:var(--info)}
#filters{position:sticky;top:0;background:#fafafa;border-bottom:1px solid #ddd;padding:.5rem 0;z-index:1;display:flex;flex-wrap:wrap;gap:1rem;align-items:center}
#filters label{white-space:nowrap}
.finding{background:#fff;border:1px solid #ddd;border-left:5px solid var(--info);margin:.5rem 0;padding:.5rem .8rem;break-inside:avoid}
.finding.sev-critical{border-left-color:var(--critical)}.finding.sev-high{border-left-color:var(--high)}.finding.sev-medium{border-left-color:var(--medium)}.finding.sev-low{border-left-color:var(--low)}
.finding.suppressed{opacity:.75;border-style:dashed}
.finding p{margin:.25rem 0}.where{font-family:ui-monospace,monospace;color:#444;word-break:break-all}.rule{color:#555}
pre.snippet{background:#f4f4f4;padding:.3rem .5rem;overflow-x:auto;margin:.3rem 0}pre.snippet mark{background:#ffe082}
.refs{color:#444;font-size:.9rem}.clean{color:#2e7d32}
[hidden]{display:none!important}
@media print{#filters{display:none}body{max-width:none;background:#fff;font-size:11pt}.finding{border-left-width:3pt}a{color:inherit;text-decoration:none}section.host{break-before:page}section.host:first-of-type{break-before:auto}}
`.trim();

/**
 * The filters: severities, a rule, the suppressed and baselined findings. The state is read from the
 * address's fragment too (`#severity=high,critical&rule=MH1001&suppressed=1`), so that a link, or a
 * headless browser, opens the report filtered. A part that is not valid percent-encoding is left out
 * (decodeURIComponent throws on it, and the filters would then never be set up).
 */
const SCRIPT = `
(function(){
var q=function(s){return Array.prototype.slice.call(document.querySelectorAll(s));};
var sev=q('#filters input[name=severity]'),rule=document.getElementById('rule'),sup=document.getElementById('suppressed');
function fromHash(){var h={};location.hash.replace(/^#/,'').split('&').forEach(function(p){var i=p.indexOf('=');if(i>0)try{h[decodeURIComponent(p.slice(0,i))]=decodeURIComponent(p.slice(i+1));}catch(e){}});
if(h.severity){var want=h.severity.split(',');sev.forEach(function(c){c.checked=want.indexOf(c.value)>=0;});}
if(h.rule&&rule.querySelector('option[value="'+h.rule.replace(/[^A-Za-z0-9]/g,'')+'"]'))rule.value=h.rule;
if(h.suppressed)sup.checked=h.suppressed==='1';}
function apply(){var on={};sev.forEach(function(c){on[c.value]=c.checked;});var shown=0;
q('.finding').forEach(function(f){var ok=on[f.dataset.severity]&&(!rule.value||rule.value===f.dataset.rule)&&(sup.checked||f.dataset.suppressed!=='true');f.hidden=!ok;if(ok)shown++;});
q('section.file').forEach(function(s){s.hidden=s.querySelector('.finding')!==null&&s.querySelector('.finding:not([hidden])')===null;});
q('section.host').forEach(function(s){var n=s.querySelectorAll('.finding:not([hidden])').length;s.querySelector('.shown').textContent=String(n);});
document.getElementById('shown').textContent=String(shown);document.body.dataset.ready='true';}
fromHash();sev.concat([rule,sup]).forEach(function(e){e.addEventListener('change',apply);});window.addEventListener('hashchange',function(){fromHash();apply();});apply();
})();
`.trim();

const sha256 = (s: string): string => `'sha256-${createHash('sha256').update(s).digest('base64')}'`;

/**
 * One self-contained HTML file for people who sign off an audit: a summary by severity, by rule and
 * by host; a section a host (a fleet or a repository of hosts), in it a section a file, and each
 * finding with its place, snippet, fix, references and documentation link; filters by severity and
 * rule, and the suppressed and baselined findings shown on request (a small inline script); a print
 * layout. Nothing is loaded from anywhere: the Content-Security-Policy allows only the inline style
 * and script by hash, so even text that escaped the escaping could run nothing. Every text from a
 * file is HTML-escaped, control characters shown as `\xNN`.
 */
export function formatHtml(report: LintReport, opts: HtmlOptions): string {
  return collect((out) => writeHtml(report, opts, out));
}

/** formatHtml() into a sink: the summary from counts, then a finding at a time. */
export function writeHtml(report: LintReport, opts: HtmlOptions, out: Sink): void {
  const s = summarize(report);
  const findings = [...report.findings];
  const metaOf = new Map(report.rules.map((m) => [m.id, m]));
  // Hosts, and in each its files: the checked ones (clean files too) and those findings name.
  const hosts = new Map<string, Map<string, Finding[]>>();
  const fileList = (file: string): Finding[] => {
    const host = hostOf(file);
    if (!hosts.has(host)) hosts.set(host, new Map());
    const files = hosts.get(host)!;
    if (!files.has(file)) files.set(file, []);
    return files.get(file)!;
  };
  for (const c of report.checked ?? []) if (c.kind !== 'host') fileList(c.file);
  for (const f of findings) fileList(f.file).push(f);
  const ruleCounts = new Map<string, { open: number; suppressed: number; slug: string; severity: Severity }>();
  for (const f of findings) {
    const r = ruleCounts.get(f.ruleId) ?? { open: 0, suppressed: 0, slug: f.slug, severity: metaOf.get(f.ruleId)?.severity ?? f.severity };
    if (f.suppressed) r.suppressed++;
    else r.open++;
    ruleCounts.set(f.ruleId, r);
  }
  const rulesSorted = [...ruleCounts.entries()].sort(([a], [b]) => byCodeUnit(a, b));
  const target = report.target ?? '';

  out.push(
    '<!DOCTYPE html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${sha256(STYLE)}; script-src ${sha256(SCRIPT)}; img-src data:; base-uri 'none'; form-action 'none'">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="referrer" content="no-referrer">',
    `<title>${htmlText(`mailharden report${target ? `: ${target}` : ''}`)}</title>`,
    `<style>${STYLE}</style>`,
    '</head>',
    '<body>',
    '<header>',
    `<h1>mailharden report</h1>`,
    `<p class="meta">${target ? `<span id="target">${htmlText(target)}</span> · ` : ''}${htmlText(report.tool.name)} ${htmlText(report.tool.version)} · ${htmlText(opts.generated)} · <span id="total-findings">${s.findings}</span> findings in <span id="total-files">${s.files}</span> files, <span id="total-suppressed">${s.suppressed - s.baselined}</span> suppressed, <span id="total-baselined">${s.baselined}</span> baselined</p>`,
    '</header>',
    '<h2>Summary</h2>',
    '<div class="summary">',
  );
  // By severity.
  out.push('<table id="by-severity"><thead><tr><th>Severity</th><th>Findings</th></tr></thead><tbody>');
  for (const sev of SEVERITIES) out.push(`<tr class="sev-${sev}" data-severity="${sev}"><td><span class="badge">${sev}</span></td><td class="n">${s.bySeverity[sev]}</td></tr>`);
  out.push('</tbody></table>');
  // By host.
  out.push('<table id="by-host"><thead><tr><th>Host</th><th>Files</th>', ...SEVERITIES.map((sev) => `<th><span class="badge sev-${sev}">${sev}</span></th>`), '</tr></thead><tbody>');
  for (const [host, files] of hosts) {
    const all = [...files.values()].flat().filter((f) => !f.suppressed);
    out.push(`<tr data-host="${htmlText(host)}"><td><a href="#${anchor('host', host)}">${htmlText(host)}</a></td><td class="n">${files.size}</td>`, ...SEVERITIES.map((sev) => `<td class="n">${all.filter((f) => f.severity === sev).length}</td>`), '</tr>');
  }
  out.push('</tbody></table>');
  out.push('</div>');
  // By rule.
  out.push('<table id="by-rule"><thead><tr><th>Rule</th><th>Severity</th><th>Findings</th><th>Suppressed</th><th>Description</th></tr></thead><tbody>');
  for (const [id, r] of rulesSorted) {
    out.push(`<tr data-rule="${htmlText(id)}" class="sev-${r.severity}"><td><a href="${htmlText(docUrl(id))}">${htmlText(id)}</a> ${htmlText(r.slug)}</td><td><span class="badge">${r.severity}</span></td><td class="n">${r.open}</td><td class="n">${r.suppressed}</td><td>${htmlText(metaOf.get(id)?.description ?? '')}</td></tr>`);
  }
  out.push('</tbody></table>');
  // Filters.
  out.push(
    '<form id="filters" aria-label="Filters">',
    ...SEVERITIES.map((sev) => `<label class="sev-${sev}"><input type="checkbox" name="severity" value="${sev}" checked> <span class="badge">${sev}</span></label>`),
    '<label>Rule <select id="rule"><option value="">all rules</option>',
    ...rulesSorted.map(([id, r]) => `<option value="${htmlText(id)}">${htmlText(id)} ${htmlText(r.slug)}</option>`),
    '</select></label>',
    '<label><input type="checkbox" id="suppressed"> suppressed and baselined</label>',
    `<span>showing <strong id="shown">${s.findings}</strong> of ${findings.length}</span>`,
    '</form>',
  );
  // One section a host, one a file.
  for (const [host, files] of hosts) {
    const open = [...files.values()].flat().filter((f) => !f.suppressed).length;
    out.push(`<section class="host" id="${anchor('host', host)}" data-host="${htmlText(host)}">`, `<h2>${htmlText(host)} <small>(<span class="shown">${open}</span> shown)</small></h2>`);
    for (const [file, list] of files) {
      out.push(`<section class="file" data-file="${htmlText(file)}">`, `<h3>${htmlText(file)}</h3>`);
      if (!list.length) out.push('<p class="clean">No findings.</p>');
      list.sort((a, b) => a.line - b.line || a.column - b.column || byCodeUnit(a.ruleId, b.ruleId));
      for (const f of list) out.push(...findingHtml(f));
      out.push('</section>');
    }
    out.push('</section>');
  }
  out.push(`<script>${SCRIPT}</script>`, '</body>', '</html>');
}

/** An id for an anchor, from any text: letters, digits and dashes, and a hash of the text so that two never meet. */
function anchor(prefix: string, text: string): string {
  return `${prefix}-${text.replace(/[^A-Za-z0-9]+/g, '-').slice(0, 40)}-${createHash('sha256').update(text).digest('hex').slice(0, 8)}`;
}

function findingHtml(f: Finding): string[] {
  const cls = `finding sev-${f.severity}${f.suppressed ? ' suppressed' : ''}`;
  const out = [
    `<article class="${cls}" data-severity="${f.severity}" data-rule="${htmlText(f.ruleId)}" data-suppressed="${f.suppressed}"${f.suppressed ? ' hidden' : ''}>`,
    `<p><span class="badge">${f.severity}</span> <span class="where">${htmlText(locationText(f))}</span></p>`,
    `<p class="message">${htmlText(f.message)} <span class="rule">[<a href="${htmlText(docUrl(f.ruleId))}">${htmlText(f.ruleId)}</a> ${htmlText(f.slug)}]</span></p>`,
  ];
  const snip = snippetHtml(f);
  if (snip) out.push(snip);
  for (const r of f.related ?? []) out.push(`<p class="related">also: <span class="where">${htmlText(`${r.file}:${r.line}:${r.column}`)}</span> (${htmlText(r.message)})</p>`);
  out.push(`<p class="fix"><strong>Fix:</strong> ${htmlText(f.fix)}</p>`);
  const refs = withStigIds(f.references);
  if (refs.length) out.push(`<p class="refs">References: ${refs.map((r) => `<span class="ref">${htmlText(r)}</span>`).join(', ')}</p>`);
  if (f.suppressed) {
    const kind = f.suppression?.kind === 'baseline' ? 'Baselined' : 'Suppressed';
    out.push(`<p class="suppression"><strong>${kind}:</strong> ${htmlText(f.suppression?.reason ?? '')}${f.suppression?.source ? ` <span class="where">(${htmlText(f.suppression.source)})</span>` : ''}</p>`);
  }
  out.push('</article>');
  return out;
}

/** The source line with the finding's span marked (a span over several lines is marked to the end of the first). */
function snippetHtml(f: Finding): string | undefined {
  if (f.sourceLine === undefined) return undefined;
  const raw = f.sourceLine;
  const shift = (f.sourceColumn ?? 1) - 1;
  const start = Math.min(Math.max(f.column - 1 - shift, 0), raw.length);
  const end = f.endLine === f.line ? Math.min(Math.max(f.endColumn - 1 - shift, start), raw.length) : raw.length;
  const lead = shift > 0 ? '…' : '';
  return `<pre class="snippet"><code>${f.line} | ${lead}${htmlText(raw.slice(0, start))}<mark>${htmlText(raw.slice(start, end))}</mark>${htmlText(raw.slice(end))}</code></pre>`;
}
