/**
 * The report page's stylesheet and script. Both are constants, so the page's Content-Security-Policy can allow
 * exactly them by hash and nothing else; every file name and metadata value reaches the page only as JSON data that
 * this script turns into text nodes.
 */

export const PAGE_CSS = `
:root { color-scheme: light dark; --bg: #fafafa; --fg: #1d1d1f; --muted: #6e6e73; --card: #fff; --line: #d9d9de;
  --danger: #b3261e; --warn: #8a5a00; --ok: #1e6b34; --chip: #eef0f3; }
@media (prefers-color-scheme: dark) { :root { --bg: #161618; --fg: #ececf1; --muted: #a0a0a8; --card: #202024;
  --line: #38383f; --danger: #ff6b61; --warn: #e8b34b; --ok: #5cc77e; --chip: #2c2c33; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, sans-serif; background: var(--bg); color: var(--fg); }
header, nav, main, footer { max-width: 1100px; margin: 0 auto; padding: 12px 16px; }
h1 { font-size: 20px; margin: 8px 0 2px; }
.sub, .muted, footer { color: var(--muted); }
nav { display: flex; flex-wrap: wrap; gap: 12px; align-items: center; position: sticky; top: 0; background: var(--bg);
  border-bottom: 1px solid var(--line); z-index: 1; }
nav label { display: flex; gap: 6px; align-items: center; }
select { font: inherit; padding: 2px 6px; }
.card { display: grid; grid-template-columns: 96px 1fr; gap: 12px; background: var(--card); border: 1px solid var(--line);
  border-left: 4px solid var(--line); border-radius: 8px; padding: 12px; margin: 10px 0; }
.card.dangerous { border-left-color: var(--danger); }
.card.problem { border-left-color: var(--warn); }
.card.ok { border-left-color: var(--ok); }
.thumb { width: 96px; height: 96px; object-fit: cover; border-radius: 6px; background: var(--chip); display: flex;
  align-items: center; justify-content: center; color: var(--muted); font-size: 11px; text-align: center; overflow: hidden; }
.thumb.omitted { font-size: 10px; line-height: 1.25; padding: 4px; word-break: break-word; }
.name { font-weight: 600; word-break: break-all; }
.path { color: var(--muted); word-break: break-all; font-size: 12px; }
.chips { display: flex; flex-wrap: wrap; gap: 6px; margin: 6px 0; }
.chip { background: var(--chip); border-radius: 10px; padding: 1px 8px; font-size: 12px; }
.chip.verdict-dangerous { color: var(--danger); font-weight: 600; }
.chip.verdict-suspicious { color: var(--warn); font-weight: 600; }
.chip.verdict-safe { color: var(--ok); }
ul { margin: 4px 0; padding-left: 18px; }
.problem-title { font-weight: 600; }
details { margin-top: 4px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 10px; margin: 4px 0; font-size: 12px; }
dt { color: var(--muted); }
dd { margin: 0; word-break: break-all; }
[hidden] { display: none !important; }
`;

export const PAGE_SCRIPT = `
"use strict";
(function () {
  var data = JSON.parse(document.getElementById("report-data").textContent);
  var IMAGE = /^data:image\\/(png|jpeg|gif|webp);base64,[A-Za-z0-9+\\/=]+$/;
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  document.getElementById("title").textContent = data.title;
  document.getElementById("subtitle").textContent = data.subtitle + " \\u00b7 " + data.generatedAt;
  document.getElementById("summary").textContent = data.summary;
  var notes = document.getElementById("notes");
  data.notes.forEach(function (n) { notes.appendChild(el("p", null, n)); });

  var main = document.getElementById("rows");
  var cards = data.rows.map(function (row) {
    var severity = row.verdict === "dangerous" || (row.problems[0] && row.problems[0].type === "dangerous") ? "dangerous" : row.problems.length > 0 ? "problem" : "ok";
    var card = el("article", "card " + severity);
    card.dataset.kind = row.kind;
    card.dataset.base = row.base;
    card.dataset.verdict = row.verdict;
    card.dataset.problem = row.problems.length > 0 ? "yes" : "no";
    var thumb;
    if (row.preview && typeof row.preview.dataUri === "string" && IMAGE.test(row.preview.dataUri)) {
      thumb = el("img", "thumb");
      thumb.alt = "preview";
      thumb.src = row.preview.dataUri;
    } else {
      // Why a preview is left out is said on the card itself, where the picture would be.
      thumb = el("div", "thumb", row.preview && row.preview.omitted ? row.preview.omitted : "no preview");
      if (row.preview && row.preview.omitted) thumb.classList.add("omitted");
    }
    card.appendChild(thumb);
    var body = el("div");
    body.appendChild(el("div", "name", row.name));
    body.appendChild(el("div", "path", row.path));
    var chips = el("div", "chips");
    var kind = row.algorithm && row.algorithm !== row.kind ? row.kind + " (" + row.algorithm + ")" : row.kind;
    [kind, row.base === "unknown" ? null : row.base, row.architecture, row.format, row.sizeText].forEach(function (c) { if (c) chips.appendChild(el("span", "chip", c)); });
    chips.appendChild(el("span", "chip verdict-" + row.verdict, row.verdict));
    body.appendChild(chips);
    if (row.problems.length > 0) {
      var list = el("ul");
      row.problems.forEach(function (p) {
        var item = el("li");
        item.appendChild(el("span", "problem-title", p.title + ": "));
        item.appendChild(document.createTextNode(p.note));
        list.appendChild(item);
      });
      body.appendChild(list);
    }
    var facts = el("dl");
    function fact(term, value) { if (value) { facts.appendChild(el("dt", null, term)); facts.appendChild(el("dd", null, value)); } }
    fact("goes to", row.destination);
    fact("stays", row.stays);
    fact("copies", row.duplicates.join(", "));
    var noted = row.problems.map(function (p) { return p.note; });
    // A reason reads "code: message"; one whose message a problem line already says is not repeated.
    row.reasons.forEach(function (r) { if (!noted.some(function (n) { return r.indexOf(n) >= 0; })) fact("reason", r); });
    body.appendChild(facts);
    if (row.metadata.length > 0) {
      var details = el("details");
      details.appendChild(el("summary", null, "metadata (" + row.metadata.length + ")"));
      var meta = el("dl");
      row.metadata.forEach(function (kv) { meta.appendChild(el("dt", null, kv[0])); meta.appendChild(el("dd", null, kv[1])); });
      details.appendChild(meta);
      body.appendChild(details);
    }
    card.appendChild(body);
    main.appendChild(card);
    return card;
  });

  var filters = { kind: "kind", base: "base", verdict: "verdict", problem: "problem" };
  var selects = {};
  var nav = document.getElementById("filters");
  Object.keys(filters).forEach(function (key) {
    var values = {};
    data.rows.forEach(function (row) { values[key === "problem" ? (row.problems.length > 0 ? "yes" : "no") : row[key]] = true; });
    var label = el("label", null, key === "problem" ? "problems" : key);
    var select = el("select");
    select.id = "filter-" + key;
    select.appendChild(new Option("all", ""));
    Object.keys(values).sort().forEach(function (v) { select.appendChild(new Option(v, v)); });
    select.addEventListener("change", function () { remember(); apply(); });
    label.appendChild(select);
    nav.insertBefore(label, document.getElementById("shown"));
    selects[key] = select;
  });
  // The filters live in the address (#verdict=dangerous&kind=lora), so a filtered view can be bookmarked or shared.
  function remember() {
    var parts = Object.keys(selects).filter(function (k) { return selects[k].value; }).map(function (k) {
      return encodeURIComponent(k) + "=" + encodeURIComponent(selects[k].value);
    });
    history.replaceState(null, "", parts.length > 0 ? "#" + parts.join("&") : location.pathname);
  }
  location.hash.replace(/^#/, "").split("&").forEach(function (part) {
    var kv = part.split("=");
    var select = selects[decodeURIComponent(kv[0] || "")];
    var value = decodeURIComponent(kv[1] || "");
    if (select && Array.prototype.some.call(select.options, function (o) { return o.value === value; })) select.value = value;
  });
  function apply() {
    var shown = 0;
    cards.forEach(function (card) {
      var visible = Object.keys(selects).every(function (key) { return !selects[key].value || card.dataset[key] === selects[key].value; });
      card.hidden = !visible;
      if (visible) shown++;
    });
    document.getElementById("shown").textContent = shown + " of " + cards.length + " shown";
  }
  apply();
})();
`;
