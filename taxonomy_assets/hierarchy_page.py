"""`hierarchy.html`: the taxonomy as one self-contained page people can look at (no network, no files).

A collapsible tree (native <details>) of every node with its level and support; a node opens to its
aliases, the institutions or venues behind it and why its parent was chosen (basis and alternatives).
A search box shows the nodes whose label or alias contains the query, with their ancestors opened.
The data is embedded as JSON and the page is built by a small inline script; the output is
deterministic (sorted, no timestamps).
"""

import json
from collections.abc import Iterable
from typing import Any

from taxonomy_assets.contracts import Concept, HierarchyNode
from taxonomy_assets.levels import LEVELS

MAX_SOURCES = 40

_STYLE = """
:root { --ink: #1d2433; --muted: #5b6477; --line: #e3e6ee; --accent: #2f5aa8; --hit: #fff3bf; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); margin: 0; }
header { position: sticky; top: 0; background: #fff; border-bottom: 1px solid var(--line); padding: 12px 20px;
  display: flex; gap: 16px; align-items: center; flex-wrap: wrap; z-index: 1; }
h1 { font-size: 18px; margin: 0 12px 0 0; }
#search { flex: 1 1 280px; max-width: 420px; padding: 6px 10px; font-size: 15px; border: 1px solid #c9cedb;
  border-radius: 6px; }
#status { color: var(--muted); font-size: 13px; }
.counts { color: var(--muted); font-size: 13px; }
main { padding: 12px 20px 40px; }
details { margin-left: 18px; }
details.root { margin-left: 0; }
summary { cursor: pointer; padding: 2px 0; list-style-position: outside; }
summary .label { font-weight: 600; }
.level { display: inline-block; font-size: 11px; border-radius: 4px; padding: 0 5px;
  margin-left: 6px; color: #fff; vertical-align: 1px; }
.L0 { background: #2f5aa8; } .L1 { background: #2a8a6e; }
.L2 { background: #b7791f; } .L3 { background: #8a4fbf; }
.support { color: var(--muted); font-size: 13px; margin-left: 6px; }
.facts { margin: 2px 0 6px 18px; padding: 6px 10px; border-left: 3px solid var(--line); color: var(--muted);
  font-size: 13px; }
.facts b { color: var(--ink); font-weight: 600; }
.match > summary .label { background: var(--hit); }
.hidden { display: none; }
"""

_SCRIPT = """
(function () {
  const data = JSON.parse(document.getElementById('taxonomy-data').textContent);
  const byId = new Map(data.nodes.map((n) => [n.id, n]));
  const elements = new Map();
  const tree = document.getElementById('tree');

  function fact(name, value) {
    const p = document.createElement('div');
    const b = document.createElement('b');
    b.textContent = name + ': ';
    p.appendChild(b);
    p.appendChild(document.createTextNode(value));
    return p;
  }

  function render(node, depth) {
    const details = document.createElement('details');
    details.className = 'node' + (depth === 0 ? ' root' : '');
    details.dataset.id = node.id;
    details.dataset.search = [node.label].concat(node.aliases).join('\\n').toLowerCase();
    const summary = document.createElement('summary');
    const label = document.createElement('span');
    label.className = 'label';
    label.textContent = node.label;
    const level = document.createElement('span');
    level.className = 'level ' + node.level;
    level.textContent = node.level;
    const support = document.createElement('span');
    support.className = 'support';
    support.textContent = node.support + (node.level === 'L3' ? ' venue(s)' : ' institution(s)');
    summary.append(label, level, support);
    details.appendChild(summary);
    const facts = document.createElement('div');
    facts.className = 'facts';
    if (node.aliases.length) facts.appendChild(fact('aliases', node.aliases.join(', ')));
    if (node.sources.length) {
      const more = node.more_sources ? ' and ' + node.more_sources + ' more' : '';
      facts.appendChild(fact('sources', node.sources.join(', ') + more));
    }
    if (node.parent) {
      facts.appendChild(fact('parent', byId.get(node.parent).label + ' (' + (node.basis || 'support') + ')'));
      if (node.alternatives.length) facts.appendChild(fact('alternatives', node.alternatives.join(', ')));
    }
    details.appendChild(facts);
    elements.set(node.id, details);
    for (const child of node.children) details.appendChild(render(byId.get(child), depth + 1));
    return details;
  }

  for (const root of data.roots) tree.appendChild(render(byId.get(root), 0));

  const search = document.getElementById('search');
  const status = document.getElementById('status');
  function apply() {
    const query = search.value.trim().toLowerCase();
    let matches = 0;
    for (const [id, element] of elements) {
      element.classList.remove('match', 'hidden');
      if (!query) continue;
      if (element.dataset.search.includes(query)) {
        element.classList.add('match');
        matches += 1;
        let parent = byId.get(id).parent;
        while (parent) { elements.get(parent).open = true; parent = byId.get(parent).parent; }
      }
    }
    if (query) {
      for (const [id, element] of elements) {
        const keep = element.classList.contains('match') || element.querySelector('.match');
        if (!keep) element.classList.add('hidden');
      }
    }
    status.textContent = query ? matches + ' node(s) match' : data.nodes.length + ' nodes';
  }
  search.addEventListener('input', apply);
  apply();
  document.body.dataset.ready = 'true';
})();
"""


def page_data(nodes: Iterable[HierarchyNode], concepts: Iterable[Concept]) -> dict[str, Any]:
    """The tree as plain data: nodes with their facts and children, roots, per-level counts."""
    by_id = {concept.concept_id: concept for concept in concepts}
    node_list = sorted(nodes, key=lambda node: (LEVELS.index(node.level), node.path))
    label_of = {node.concept_id: node.label for node in node_list}
    children: dict[str, list[str]] = {node.concept_id: [] for node in node_list}
    for node in node_list:
        if node.parent_id in children:
            children[node.parent_id].append(node.concept_id)
    records = []
    for node in node_list:
        concept = by_id.get(node.concept_id)
        institutions = sorted(concept.institutions) if concept else []
        aliases = sorted(
            {alias for alias in (concept.aliases if concept else []) if alias.lower() != node.label}
        )
        records.append(
            {
                "id": node.concept_id,
                "label": node.label,
                "level": node.level,
                "support": concept.inst_count if concept else 0,
                "aliases": aliases,
                "sources": institutions[:MAX_SOURCES],
                "more_sources": max(0, len(institutions) - MAX_SOURCES),
                "parent": node.parent_id,
                "basis": node.parent_basis,
                "alternatives": list(node.parent_alternatives),
                "children": sorted(children[node.concept_id], key=lambda child: label_of[child]),
            }
        )
    roots = [record["id"] for record in records if record["parent"] is None]
    counts = {level: sum(1 for record in records if record["level"] == level) for level in LEVELS}
    return {"nodes": records, "roots": sorted(roots, key=lambda root: label_of[root]), "counts": counts}


def _embedded_json(value: Any) -> str:
    """JSON safe inside <script>: no '</' and no line separators a parser could trip on."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text.replace("</", "<\\/").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def hierarchy_page(nodes: Iterable[HierarchyNode], concepts: Iterable[Concept], title: str) -> str:
    """The whole page as text."""
    data = page_data(nodes, concepts)
    counts = " · ".join(f"{level} {count}" for level, count in data["counts"].items())
    safe_title = title.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{safe_title}</title>\n<style>{_STYLE}</style>\n</head>\n<body>\n"
        f"<header><h1>{safe_title}</h1>"
        '<input id="search" type="search" placeholder="Search labels and aliases" autocomplete="off">'
        f'<span id="status"></span><span class="counts">{counts}</span></header>\n'
        '<main><div id="tree"></div></main>\n'
        f'<script type="application/json" id="taxonomy-data">{_embedded_json(data)}</script>\n'
        f"<script>{_SCRIPT}</script>\n</body>\n</html>\n"
    )
