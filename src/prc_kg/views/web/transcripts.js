// prc-kg transcript view: finds words in a transcript, and filters the list of transcripts.
// Text reaches the page only as text nodes (never as markup) and nothing is fetched.
(function () {
  "use strict";
  function all(selector) { return Array.prototype.slice.call(document.querySelectorAll(selector)); }
  function escapeRegExp(s) { return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }

  // --- find words within one transcript ---------------------------------------------------------
  var form = document.getElementById("find");
  if (form) {
    var input = document.getElementById("find-q");
    var status = document.getElementById("find-status");
    var texts = all(".turn .text");
    var originals = texts.map(function (p) { return p.textContent; });
    var marks = [];
    var current = -1;
    var lastQuery = null;

    var clear = function () {
      texts.forEach(function (p, i) {
        if (p.dataset.marked) { p.textContent = originals[i]; delete p.dataset.marked; }
      });
      all(".turn.found").forEach(function (t) { t.classList.remove("found"); });
      marks = [];
      current = -1;
    };

    var highlight = function (query) {
      clear();
      lastQuery = query;
      var q = String(query || "").trim();
      if (!q) return 0;
      var re = new RegExp(escapeRegExp(q), "gi");
      texts.forEach(function (p, i) {
        var text = originals[i], last = 0, frag = null, m;
        re.lastIndex = 0;
        while ((m = re.exec(text)) !== null) {
          if (!frag) frag = document.createDocumentFragment();
          if (m.index > last) frag.appendChild(document.createTextNode(text.slice(last, m.index)));
          var mark = document.createElement("mark");
          mark.textContent = m[0];
          frag.appendChild(mark);
          marks.push(mark);
          last = m.index + m[0].length;
        }
        if (frag) {
          if (last < text.length) frag.appendChild(document.createTextNode(text.slice(last)));
          p.replaceChildren(frag);
          p.dataset.marked = "1";
        }
      });
      return marks.length;
    };

    var go = function (step) {
      if (!marks.length) {
        status.textContent = String(lastQuery || "").trim() ? "not found" : "";
        delete document.body.dataset.foundTurn;
        return null;
      }
      if (current >= 0) {
        marks[current].classList.remove("current");
        marks[current].closest(".turn").classList.remove("found");
      }
      current = current < 0 ? (step < 0 ? marks.length - 1 : 0) : (current + step + marks.length) % marks.length;
      var mark = marks[current];
      var turn = mark.closest(".turn");
      mark.classList.add("current");
      turn.classList.add("found");
      mark.scrollIntoView({ block: "center" });
      status.textContent = (current + 1) + " of " + marks.length + " (" + turn.id + ")";
      document.body.dataset.foundTurn = turn.id;
      return turn.id;
    };

    // Find `query` and jump to the next (step 1) or previous (-1) match; returns the turn's id.
    var find = function (query, step) {
      if (query !== lastQuery) highlight(query);
      return go(step || 1);
    };
    window.prcFind = find;
    window.prcFindCount = function () { return marks.length; };
    form.addEventListener("submit", function (ev) { ev.preventDefault(); find(input.value, 1); });
    input.addEventListener("keydown", function (ev) {
      if (ev.key === "Enter" && ev.shiftKey) { ev.preventDefault(); find(input.value, -1); }
    });
    document.getElementById("find-next").addEventListener("click", function () { find(input.value, 1); });
    document.getElementById("find-prev").addEventListener("click", function () { find(input.value, -1); });
  }

  // --- filter the list of transcripts -----------------------------------------------------------
  var filter = document.getElementById("filter");
  if (filter) {
    var box = document.getElementById("filter-q");
    var shownStatus = document.getElementById("filter-status");
    var rows = all("table.sessions tr").filter(function (tr) { return tr.querySelector("td"); });
    var keys = rows.map(function (tr) {
      var heading = tr.closest("section").querySelector("h2");
      return (tr.textContent + " " + (heading ? heading.textContent : "")).toLowerCase();
    });
    var apply = function () {
      var words = box.value.toLowerCase().split(/\s+/).filter(Boolean);
      var shown = 0;
      rows.forEach(function (tr, i) {
        var ok = words.every(function (w) { return keys[i].indexOf(w) >= 0; });
        tr.hidden = !ok;
        if (ok) shown++;
      });
      all("section.group").forEach(function (s) {
        var visible = Array.prototype.slice.call(s.querySelectorAll("tr"))
          .some(function (tr) { return !tr.hidden && tr.querySelector("td"); });
        s.hidden = !visible;
      });
      shownStatus.textContent = shown + " of " + rows.length + " shown";
      return shown;
    };
    window.prcFilter = function (q) { box.value = q; return apply(); };
    box.addEventListener("input", apply);
    filter.addEventListener("submit", function (ev) { ev.preventDefault(); apply(); });
  }
})();
