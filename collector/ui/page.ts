// The web UI's static page and style sheet. No data is ever put in them: the script fetches the
// JSON API with the reader token, so the page itself can be served without one.
export const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Kiln</title>
<link rel="stylesheet" href="/ui/app.css">
</head>
<body>
<header><a class="brand" href="#/runs">Kiln</a><nav id="nav"></nav></header>
<main id="app"><noscript>The Kiln UI needs JavaScript.</noscript></main>
<script type="module" src="/ui/app.js"></script>
</body>
</html>
`;

export const APP_CSS = `
:root { font: 14px/1.4 system-ui, sans-serif; color: #1f2328; background: #f6f8fa; }
body { margin: 0; }
header { display: flex; align-items: center; gap: 1.5em; padding: .6em 1.2em; background: #24292f; }
header a, header button.linkish { color: #f6f8fa; }
.brand { font-weight: 700; font-size: 1.2em; text-decoration: none; }
nav { display: flex; gap: 1em; align-items: center; }
main { padding: 1em 1.2em; max-width: 1200px; }
h1 { font-size: 1.4em; margin: .3em 0; }
h2 { font-size: 1.1em; margin: 1.2em 0 .4em; }
a { color: #0969da; }
button.linkish { background: none; border: 0; padding: 0; cursor: pointer; text-decoration: underline; font: inherit; }
table { border-collapse: collapse; background: #fff; width: 100%; }
th, td { text-align: left; padding: .3em .6em; border-bottom: 1px solid #d0d7de; vertical-align: top; }
table.steps { width: auto; background: none; }
table.steps td { border: 0; padding: .1em .4em; }
td.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
.filters { display: flex; gap: .5em; align-items: center; margin: .6em 0; }
.more { margin: .6em 0; }
.dim { color: #656d76; }
.empty { color: #656d76; font-style: italic; }
.error { color: #cf222e; font-weight: 600; }
.warnings { color: #9a6700; white-space: pre-wrap; }
form.token { max-width: 40em; }
form.token input { width: 24em; }
dl.results { margin: 0; display: grid; grid-template-columns: auto 1fr; gap: 0 .6em; }
dl.results dt { font-weight: 600; }
dl.results dd { margin: 0; font-family: ui-monospace, monospace; word-break: break-all; }
.cache-hit { color: #1a7f37; }
.cache-miss { color: #9a6700; }
.st-Succeeded { --c: #1a7f37; } .st-Failed { --c: #cf222e; } .st-Running { --c: #0969da; }
.st-TimedOut { --c: #bc4c00; } .st-Cancelled { --c: #6e7781; } .st-Skipped { --c: #afb8c1; }
.st-Pending { --c: #d0d7de; } .st-Queued { --c: #9a6700; } .st-other { --c: #8250df; }
.badge { display: inline-block; padding: 0 .5em; border-radius: 1em; color: #fff; background: var(--c); font-size: .85em; }
svg { background: #fff; border: 1px solid #d0d7de; }
svg text { font-size: 11px; fill: #1f2328; }
svg rect, svg .task rect { fill: var(--c); }
svg line, svg .axis line { stroke: #8c959f; }
.log { background: #0d1117; color: #e6edf3; font: 12px/1.45 ui-monospace, monospace; padding: .6em; white-space: pre-wrap;
  word-break: break-all; max-height: 70vh; overflow: auto; }
.log .where { color: #7d8590; }
.log .stderr { color: #ffa198; }
.rate { font-size: 1.2em; font-weight: 600; }
svg.chart .axis line, svg.timeline .axis line { stroke: #8c959f; } svg .grid { stroke: #eaeef2; }
svg .axis-title { fill: #656d76; } svg polyline.trend { stroke: #0969da; stroke-width: 1.5; }
svg circle.point { fill: var(--c); } svg rect.queue { fill: #d0d7de; }
svg.sparkline { border: 0; background: none; } svg.sparkline polyline { stroke: #0969da; stroke-width: 1.5; }
svg.dag .node rect { fill: #fff; stroke: var(--c); stroke-width: 2; } svg.dag .node.st-Running rect { fill: #ddf4ff; }
svg.dag .node.finally rect { stroke-dasharray: 4 2; } svg.dag path.edge { fill: none; stroke: #8c959f; }
svg.dag marker path { fill: #8c959f; }
header form.search input { width: 14em; }
.log .ts { color: #7d8590; } .log .line.found { background: #3b2e00; } .log .line.current { outline: 1px solid #d29922; }
table.hits td.time { white-space: nowrap; font-variant-numeric: tabular-nums; } mark { background: #fff8c5; }
.approval { background: #fff; border: 1px solid #d0d7de; border-left: 4px solid #9a6700; padding: .5em .8em; margin: .4em 0; }
.approval.approved { border-left-color: #1a7f37; } .approval.rejected, .approval.timedOut { border-left-color: #cf222e; }
.approval textarea { width: 100%; max-width: 40em; display: block; }
.approval blockquote { margin: .3em 0 0 1em; color: #656d76; }
`;
