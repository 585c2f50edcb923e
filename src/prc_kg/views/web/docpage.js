// The release documentation page's search box and tree buttons (prc-kg, views/docnav.py).
// Reads each term's data-search (labels, IRI, prefixed name, definition; lower case) and
// data-label, and writes only with textContent: no text from the page becomes markup.
(function () {
  "use strict";
  var box = document.getElementById("term-search");
  var count = document.getElementById("search-count");
  var list = document.getElementById("search-results");
  var terms = Array.prototype.slice.call(document.querySelectorAll("[data-search]"));
  var SHOWN = 50;

  // the term named exactly (label, prefixed name or IRI) first, then labels that start with the
  // query, then labels or names that hold it, then the rest (a match in a definition), in page order
  function rank(el, query) {
    var label = (el.getAttribute("data-label") || "").toLowerCase();
    var name = (el.getAttribute("data-name") || "").toLowerCase();
    var iri = (el.getAttribute("data-iri") || "").toLowerCase();
    if (label === query || name === query || iri === query) return 0;
    if (label.indexOf(query) === 0) return 1;
    if (label.indexOf(query) >= 0 || name.indexOf(query) >= 0) return 2;
    return 3;
  }

  function run() {
    var query = box.value.trim().toLowerCase();
    var words = query.split(/\s+/).filter(function (w) { return w.length > 0; });
    var found = [];
    terms.forEach(function (el, order) {
      var text = el.getAttribute("data-search");
      var hit = words.every(function (w) { return text.indexOf(w) >= 0; });
      el.hidden = words.length > 0 && !hit;
      if (hit && words.length > 0) {
        found.push({el: el, rank: rank(el, query), order: order});
      }
    });
    found.sort(function (a, b) { return a.rank - b.rank || a.order - b.order; });
    list.textContent = "";
    found.slice(0, SHOWN).forEach(function (f) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = "#" + f.el.id;
      a.textContent = f.el.getAttribute("data-label");
      var kind = document.createElement("span");
      kind.className = "kind";
      kind.textContent = " " + (f.el.tagName === "TR" ? "property" : "class") + " · " + f.el.getAttribute("data-name");
      li.appendChild(a);
      li.appendChild(kind);
      list.appendChild(li);
    });
    count.textContent = words.length === 0 ? terms.length + " terms"
      : found.length + " of " + terms.length + " terms match" + (found.length > SHOWN ? " (first " + SHOWN + " listed)" : "");
  }

  if (box) {
    document.getElementById("search").hidden = false;
    box.addEventListener("input", run);
    box.addEventListener("keydown", function (event) {  // Enter goes to the first match
      var first = list.querySelector("a");
      if (event.key === "Enter" && first) { event.preventDefault(); first.click(); }
    });
  }
  var tools = document.querySelector(".tree-tools");
  if (tools) {
    tools.hidden = false;
    tools.addEventListener("click", function (event) {
      var which = event.target.getAttribute("data-tree");
      if (!which) return;
      document.querySelectorAll("#class-tree details").forEach(function (d) { d.open = which === "open"; });
    });
  }
}());
