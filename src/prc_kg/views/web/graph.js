// prc-kg graph views: reads the page's JSON payload and draws it with vis-network.
// Every text that came from the data is put on the page with textContent, never as HTML, and
// the only links made are to the other prc-kg pages beside this one.
(function () {
  "use strict";
  var payload = JSON.parse(document.getElementById("prc-data").textContent);
  var container = document.getElementById("network");
  var details = document.getElementById("details");
  var tooltip = document.getElementById("tooltip");
  var status = document.getElementById("status");
  var nodes = new vis.DataSet();
  var edges = new vis.DataSet();
  var current = null;
  var byId = {};
  var hiddenGroups = {};

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  function pageLink(page, fragment, text) {
    var a = el("a", text);
    a.href = page + "#" + encodeURIComponent(fragment);
    return a;
  }

  function renderValue(value) {
    if (Array.isArray(value)) {
      var ul = el("ul");
      value.forEach(function (item) { var li = el("li"); li.appendChild(renderValue(item)); ul.appendChild(li); });
      return ul;
    }
    if (value && typeof value === "object") {
      if (value.link && value.page) {
        var a = pageLink(value.page, value.link, value.text);
        if (!value.more) return a;
        var links = el("span");
        links.appendChild(a);
        value.more.forEach(function (m) { links.appendChild(document.createTextNode(" · ")); links.appendChild(pageLink(m.page, m.link, m.text)); });
        return links;
      }
      var span = el("span");
      Object.keys(value).forEach(function (k) { span.appendChild(el("b", k + ": ")); span.appendChild(renderValue(value[k])); span.appendChild(el("br")); });
      return span;
    }
    return document.createTextNode(value === null || value === undefined ? "" : String(value));
  }

  function showDetails(item, kind) {
    details.replaceChildren();
    if (!item) { details.appendChild(el("p", payload.hint || "Click a node or an edge to see its details.", "hint")); return; }
    details.appendChild(el("h2", item.label || item.id));
    var info = item.info || {};
    var dl = el("dl");
    Object.keys(info).forEach(function (key) {
      var value = info[key];
      if (value === "" || value === null || (Array.isArray(value) && value.length === 0)) return;
      dl.appendChild(el("dt", key));
      var dd = el("dd");
      dd.appendChild(renderValue(value));
      dl.appendChild(dd);
    });
    details.appendChild(dl);
    details.dataset.selected = item.id;
    details.dataset.kind = kind;
  }

  function showTooltip(item, pointer) {
    if (!item) { tooltip.hidden = true; return; }
    tooltip.replaceChildren();
    tooltip.appendChild(el("strong", item.label || item.id));
    (item.tip || []).forEach(function (line) { tooltip.appendChild(el("div", line)); });
    tooltip.style.left = (pointer.x + 16) + "px";
    tooltip.style.top = (pointer.y + 16) + "px";
    tooltip.hidden = false;
  }

  function visNode(n) {
    var v = { id: n.id, label: n.label, x: n.x, y: n.y, group: n.group, hidden: !!hiddenGroups[n.group] };
    ["color", "shape", "size", "font", "borderWidth", "shapeProperties", "widthConstraint"].forEach(function (k) { if (n[k] !== undefined) v[k] = n[k]; });
    return v;
  }

  function visEdge(e) {
    var v = { id: e.id, from: e.from, to: e.to, arrows: e.arrows === undefined ? "to" : e.arrows };
    ["color", "width", "dashes", "label", "font", "smooth"].forEach(function (k) { if (e[k] !== undefined) v[k] = e[k]; });
    return v;
  }

  function useDataset(name) {
    current = payload.datasets[name];
    muted = {};
    byId = {};
    current.nodes.forEach(function (n) { byId["n:" + n.id] = n; });
    current.edges.forEach(function (e) { byId["e:" + e.id] = e; });
    nodes.clear(); edges.clear();
    nodes.add(current.nodes.map(visNode));
    edges.add(current.edges.map(visEdge));
    renderTable(current.table);
    showDetails(null);
    status.textContent = current.nodes.length + " nodes, " + current.edges.length + " edges";
    document.body.dataset.dataset = name;
    network.fit({ animation: false });
  }

  // Table cells compare as numbers when both read as one, else as text in natural order
  // ("item 2" before "item 10"); empty cells and dashes sort last whichever the direction.
  var collator = new Intl.Collator(undefined, { numeric: true, sensitivity: "base" });
  function blank(v) { return v === "" || v === "–" || v === null || v === undefined; }
  function compareCells(a, b) {
    var x = Number(a), y = Number(b);
    if (String(a).trim() !== "" && String(b).trim() !== "" && isFinite(x) && isFinite(y)) return x - y;
    return collator.compare(String(a), String(b));
  }

  function renderTable(table) {
    var holder = document.getElementById("table");
    holder.replaceChildren();
    if (!table) return;
    holder.appendChild(el("h2", table.title));
    holder.appendChild(el("p", "Click a column heading to sort by it; click again to reverse.", "hint"));
    var t = el("table");
    var thead = el("thead"), tbody = el("tbody");
    var head = el("tr");
    var rows = table.rows.map(function (row, i) {
      var tr = el("tr");
      if (row.strong) tr.className = "strong";
      row.cells.forEach(function (c) { tr.appendChild(el("td", c)); });
      return { cells: row.cells, tr: tr, i: i };
    });
    var sorted = { column: -1, dir: 1 };
    function draw() {
      tbody.replaceChildren();
      rows.forEach(function (r) { tbody.appendChild(r.tr); });
    }
    table.columns.forEach(function (c, col) {
      var th = el("th", c);
      th.tabIndex = 0;
      th.scope = "col";
      th.title = "sort by " + c;
      function sortHere() {
        sorted.dir = sorted.column === col ? -sorted.dir : 1;
        sorted.column = col;
        rows.sort(function (a, b) {
          var x = a.cells[col], y = b.cells[col];
          if (blank(x) || blank(y)) return blank(x) === blank(y) ? a.i - b.i : blank(x) ? 1 : -1;
          return sorted.dir * compareCells(x, y) || a.i - b.i;
        });
        Array.prototype.forEach.call(head.children, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", sorted.dir > 0 ? "ascending" : "descending");
        draw();
      }
      th.addEventListener("click", sortHere);
      th.addEventListener("keydown", function (ev) { if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); sortHere(); } });
      head.appendChild(th);
    });
    thead.appendChild(head);
    t.appendChild(thead);
    t.appendChild(tbody);
    draw();
    holder.appendChild(t);
  }

  var options = {
    physics: false,
    layout: { improvedLayout: false, randomSeed: 1 },
    interaction: { hover: true, tooltipDelay: 80, hideEdgesOnDrag: payload.large, hideEdgesOnZoom: payload.large },
    nodes: { shape: "dot", size: 12, font: { size: 14, face: "sans-serif" },
             scaling: { label: { drawThreshold: payload.minLabelPx || 5 } } },
    edges: { smooth: false, color: { inherit: false } },
    groups: payload.groups || {}
  };
  var network = new vis.Network(container, { nodes: nodes, edges: edges }, options);
  // Decluttering: after each drawing, the labels large enough to read are taken biggest first (the
  // selected node's before all), and one that would be written over a label already taken is drawn
  // in a transparent colour until a zoom or a selection gives it room. Its size stays measured, so
  // the next drawing can tell when it fits again; drawing again after a change settles in one step.
  // (An update names the node's colour again: vis-network would otherwise give it its group's.)
  var HIDDEN = "rgba(0,0,0,0)";
  var muted = {};
  function labelFont(n, hide) {
    var f = n.font || {};
    return Object.assign({}, f, { color: hide ? HIDDEN : (f.color || "#343434"),
                                  strokeColor: hide ? HIDDEN : (f.strokeColor || "#ffffff") });
  }
  function overlap(a, b) {
    return a.left < b.left + b.width && b.left < a.left + a.width && a.top < b.top + b.height && b.top < a.top + a.height;
  }
  function declutter() {
    if (!payload.declutter) return;
    var scale = network.getScale(), least = (payload.minLabelPx || 5) - 1;
    var selected = {};
    network.getSelectedNodes().forEach(function (id) { selected[id] = true; });
    var candidates = [];
    current.nodes.forEach(function (n) {
      var node = network.body.nodes[n.id];
      if (!node || hiddenGroups[n.group] || !node.labelModule.size.width) return;
      var px = node.options.font.size * scale;
      if (px >= least) candidates.push({ n: n, px: px, box: Object.assign({}, node.labelModule.size) });
    });
    candidates.sort(function (a, b) {
      return (selected[b.n.id] ? 1 : 0) - (selected[a.n.id] ? 1 : 0) || b.px - a.px || (a.n.id < b.n.id ? -1 : 1);
    });
    var kept = [], changes = [];
    candidates.forEach(function (c) {
      var hide = kept.some(function (k) { return overlap(k.box, c.box); });
      if (!hide) kept.push(c);
      if (hide !== !!muted[c.n.id]) { muted[c.n.id] = hide; changes.push({ id: c.n.id, font: labelFont(c.n, hide), color: c.n.color }); }
    });
    if (changes.length) nodes.update(changes);
  }
  window.prcMutedLabels = function () { return Object.keys(muted).filter(function (id) { return muted[id]; }).sort(); };

  var drawn = false;
  network.on("afterDrawing", function () {
    if (!drawn) { drawn = true; window.prcDrawnAt = performance.now(); document.body.dataset.drawn = "yes"; }
    declutter();
  });
  network.on("hoverNode", function (p) { showTooltip(byId["n:" + p.node], p.pointer.DOM); });
  network.on("blurNode", function () { showTooltip(null); });
  network.on("hoverEdge", function (p) { showTooltip(byId["e:" + p.edge], p.pointer.DOM); });
  network.on("blurEdge", function () { showTooltip(null); });
  network.on("click", function (p) {
    if (p.nodes.length) showDetails(byId["n:" + p.nodes[0]], "node");
    else if (p.edges.length) showDetails(byId["e:" + p.edges[0]], "edge");
    else showDetails(null);
  });

  function search(query) {
    var q = String(query || "").trim().toLowerCase();
    var result = document.getElementById("search-result");
    if (!q) { result.textContent = ""; return null; }
    var matches = current.nodes.filter(function (n) { return String(n.label).toLowerCase().indexOf(q) >= 0 && !hiddenGroups[n.group]; });
    matches.sort(function (a, b) {
      var ea = String(a.label).toLowerCase() === q ? 0 : 1, eb = String(b.label).toLowerCase() === q ? 0 : 1;
      return ea - eb || String(a.label).length - String(b.label).length;
    });
    result.textContent = matches.length ? matches.length + " found" : "nothing found";
    if (!matches.length) return null;
    var hit = matches[0];
    network.selectNodes([hit.id]);
    network.focus(hit.id, { scale: 1.2, animation: false });
    showDetails(hit, "node");
    return hit.id;
  }
  window.prcSearch = search;
  window.prcNetwork = network;  // for tests and for anyone scripting the page from the console

  function zoomBy(factor) {
    network.moveTo({ scale: network.getScale() * factor, position: network.getViewPosition(), animation: false });
  }
  document.getElementById("zoom-in").addEventListener("click", function () { zoomBy(1.5); });
  document.getElementById("zoom-out").addEventListener("click", function () { zoomBy(1 / 1.5); });
  document.getElementById("zoom-fit").addEventListener("click", function () { network.fit({ animation: false }); });

  var form = document.getElementById("search-form");
  form.addEventListener("submit", function (ev) { ev.preventDefault(); search(document.getElementById("search").value); });

  var filters = document.getElementById("filters");
  (payload.filters || []).forEach(function (f) {
    var label = el("label");
    var box = el("input");
    box.type = "checkbox"; box.checked = true; box.value = f.group;
    box.addEventListener("change", function () {
      hiddenGroups[f.group] = !box.checked;
      nodes.update(current.nodes.filter(function (n) { return n.group === f.group; })
        .map(function (n) { return { id: n.id, hidden: !box.checked }; }));
    });
    var swatch = el("span", "", "swatch");
    swatch.style.background = f.color;
    label.appendChild(box); label.appendChild(swatch); label.appendChild(document.createTextNode(f.label));
    filters.appendChild(label);
  });

  var legend = document.getElementById("legend");
  (payload.legend || []).forEach(function (item) {
    var row = el("div", "", "legend-row");
    var mark = el("span", "", item.kind === "edge" ? "edge-mark" : "swatch");
    if (item.kind === "edge") {
      mark.style.borderTopColor = item.color;
      mark.style.borderTopWidth = (item.width || 2) + "px";
      mark.style.borderTopStyle = item.dashes ? "dashed" : "solid";
    } else { mark.style.background = item.color; }
    row.appendChild(mark); row.appendChild(document.createTextNode(item.label));
    legend.appendChild(row);
  });

  var names = Object.keys(payload.datasets);
  var chooser = document.getElementById("dataset");
  if (names.length > 1) {
    payload.datasetOrder.forEach(function (name) {
      var opt = el("option", payload.datasets[name].title);
      opt.value = name;
      chooser.appendChild(opt);
    });
    chooser.addEventListener("change", function () {
      history.replaceState(null, "", "#" + encodeURIComponent(chooser.value));
      useDataset(chooser.value);
    });
  } else { chooser.hidden = true; }
  // The part after # names a dataset (a case) or a node: the page shows the dataset that holds the
  // node (the one on screen when it does) and selects it, on load and whenever the # changes.
  function holding(id) {
    if (current.nodes.some(function (n) { return n.id === id; })) return document.body.dataset.dataset;
    return payload.datasetOrder.find(function (name) {
      return payload.datasets[name].nodes.some(function (n) { return n.id === id; });
    });
  }
  function follow(fragment) {
    var wanted = decodeURIComponent(fragment || "");
    if (!wanted) return;
    if (payload.datasets[wanted]) {
      if (document.body.dataset.dataset !== wanted) { chooser.value = wanted; useDataset(wanted); }
      return;
    }
    var name = holding(wanted);
    if (!name) { status.textContent = "Nothing called " + wanted + " on this page."; return; }
    if (name !== document.body.dataset.dataset) { chooser.value = name; useDataset(name); }
    if (hiddenGroups[byId["n:" + wanted].group]) {
      var box = filters.querySelector("input[value='" + CSS.escape(byId["n:" + wanted].group) + "']");
      if (box) { box.checked = true; box.dispatchEvent(new Event("change")); }
    }
    network.selectNodes([wanted]);
    network.focus(wanted, { scale: Math.max(network.getScale(), 1.2), animation: false });
    showDetails(byId["n:" + wanted], "node");
  }
  var first = location.hash.slice(1);
  var start = payload.datasets[decodeURIComponent(first)] ? decodeURIComponent(first) : payload.datasetOrder[0];
  chooser.value = start;
  useDataset(start);
  follow(first);
  window.addEventListener("hashchange", function () { follow(location.hash.slice(1)); });
})();
