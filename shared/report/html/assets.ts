import { createHash } from 'node:crypto';

/**
 * The page's one style sheet and one script, constant text: no report data ever goes into them,
 * so the Content-Security-Policy can allow exactly these two by hash and nothing else.
 */

export const STYLE = `
:root { color-scheme: light dark; --fg: #1f2328; --muted: #59636e; --bg: #fff; --panel: #f6f8fa; --line: #d1d9e0;
  --ok: #1a7f37; --bad: #cf222e; --err: #bc4c00; --run: #0969da; --run-now: #0a3069; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6edf3; --muted: #9198a1; --bg: #0d1117; --panel: #151b23; --line: #3d444d;
    --ok: #3fb950; --bad: #f85149; --err: #db6d28; --run: #4493f8; --run-now: #a5d6ff; }
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1280px; margin: 0 auto; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 8px; overflow-wrap: anywhere; }
h2 { font-size: 17px; margin: 28px 0 8px; }
code, .id { font-family: ui-monospace, "SFMono-Regular", "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; }
.muted { color: var(--muted); }
.badges { display: flex; flex-wrap: wrap; gap: 8px; margin: 8px 0 12px; }
.badge { display: inline-block; border-radius: 999px; padding: 2px 10px; font-weight: 600; font-size: 12px;
  border: 1px solid var(--line); background: var(--panel); white-space: nowrap; }
.badge.ok { background: var(--ok); border-color: var(--ok); color: #fff; }
.badge.bad { background: var(--bad); border-color: var(--bad); color: #fff; }
.badge.waived { color: var(--ok); border-color: var(--ok); background: transparent; }
.badge.expired { color: var(--bad); border-color: var(--bad); background: transparent; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 0; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; overflow-wrap: anywhere; }
.reasons { border-left: 4px solid var(--bad); background: var(--panel); padding: 8px 12px 8px 28px; margin: 12px 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(120px, 1fr)); gap: 10px; margin: 16px 0; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 12px; }
.card b { display: block; font-size: 22px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 16px; }
figure { margin: 0; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px; min-width: 0; }
figcaption { font-weight: 600; margin-bottom: 6px; }
figure svg { display: block; max-width: 100%; height: auto; }
figure .note { font-size: 12px; color: var(--muted); margin: 6px 0 0; }
details { margin-top: 6px; font-size: 12px; }
svg text { fill: currentColor; font-size: 11px; }
svg .tick, svg .empty { fill: var(--muted); }
svg .grid { stroke: var(--line); stroke-width: 1; }
svg .value { font-weight: 600; }
svg .mark { fill: var(--bad); font-weight: 700; }
.sev-critical { fill: #8b0000; background: #8b0000; color: #fff; }
.sev-high { fill: #d1242f; background: #d1242f; color: #fff; }
.sev-medium { fill: #d4a72c; background: #d4a72c; color: #1f2328; }
.sev-low { fill: #0969da; background: #0969da; color: #fff; }
.sev-info { fill: #818b98; background: #818b98; color: #fff; }
.st-compliant { fill: var(--ok); }
.st-violating { fill: var(--bad); }
.st-error { fill: var(--err); }
svg .rule { fill: var(--run); }
svg .run { fill: var(--run); }
svg .run.current { fill: var(--run-now); }
svg .run.incomplete { fill: url(#trend-hatch); stroke: var(--bad); stroke-width: 1; }
svg .run.current.incomplete { stroke: var(--run-now); stroke-width: 2; }
svg .hatch-bg { fill: var(--panel); }
svg .hatch { stroke: var(--bad); stroke-width: 2; }
.sev { display: inline-block; border-radius: 4px; padding: 0 6px; font-size: 12px; font-weight: 600; }
table { border-collapse: collapse; }
table.data { margin-top: 4px; }
table.data th, table.data td { padding: 2px 8px; text-align: left; border-bottom: 1px solid var(--line); }
caption { text-align: left; font-weight: 600; padding: 4px 0; }
.scroll { overflow-x: auto; }
table.findings, table.errors { width: 100%; }
.findings th, .findings td, .errors th, .errors td { text-align: left; vertical-align: top; padding: 6px 8px;
  border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
.findings thead th, .errors thead th { background: var(--panel); position: sticky; top: 0; }
table.findings { table-layout: fixed; min-width: 960px; }
.findings .c-cluster { width: 11%; } .findings .c-region { width: 9%; } .findings .c-rule { width: 13%; }
.findings .c-severity { width: 7%; } .findings .c-field { width: 13%; } .findings .c-value { width: 13%; }
.findings .c-message { width: 19%; } .findings .c-waiver { width: 15%; }
.findings tr.is-waived td { opacity: 0.7; }
.expiry { white-space: nowrap; color: var(--muted); }
.filters { display: flex; flex-wrap: wrap; gap: 12px; align-items: end; margin: 8px 0; }
.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); gap: 2px; }
.filters input, .filters select, .filters button { font: inherit; color: var(--fg); background: var(--bg);
  border: 1px solid var(--line); border-radius: 6px; padding: 4px 8px; }
.filters input { min-width: 220px; }
.count { font-weight: 600; margin: 8px 0; }
footer { margin-top: 32px; font-size: 12px; color: var(--muted); }
`;

/** Shows and hides the server-rendered rows of `#findings`; reads only `data-*` and form values. */
export const SCRIPT = `
(function () {
  'use strict';
  var form = document.getElementById('filters');
  var table = document.getElementById('findings');
  var counter = document.getElementById('findings-count');
  var empty = document.getElementById('findings-empty');
  if (!form || !table || !counter || !table.tBodies[0]) return;
  var cluster = document.getElementById('filter-cluster');
  var rule = document.getElementById('filter-rule');
  var severity = document.getElementById('filter-severity');
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  function apply() {
    var text = cluster.value.trim().toLowerCase();
    var wantRule = rule.selectedIndex > 0 ? rule.value : null;
    var wantSeverity = severity.selectedIndex > 0 ? severity.value : null;
    var shown = 0;
    rows.forEach(function (row) {
      var data = row.dataset;
      var names = (data.cluster + '\\n' + (data.name || '')).toLowerCase();
      var match = (text === '' || names.indexOf(text) !== -1) &&
        (wantRule === null || data.rule === wantRule) &&
        (wantSeverity === null || data.severity === wantSeverity);
      row.hidden = !match;
      if (match) shown += 1;
    });
    counter.textContent = shown + ' of ' + rows.length + ' findings shown';
    if (empty) empty.hidden = shown !== 0;
  }
  form.addEventListener('input', apply);
  form.addEventListener('change', apply);
  form.addEventListener('submit', function (event) { event.preventDefault(); });
  form.addEventListener('reset', function () { setTimeout(apply, 0); });
  form.hidden = false;
  apply();
})();
`;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

/** Nothing loads from anywhere; only the page's own style sheet and script run. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  `style-src ${sha256(STYLE)}`,
  `script-src ${sha256(SCRIPT)}`,
  'img-src data:',
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');
