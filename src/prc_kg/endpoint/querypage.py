"""The HTML page the endpoint serves at `/`: a query form that posts to `/sparql` and shows the rows.
TIMEOUT and MAXROWS are replaced with the server's limits when the page is sent."""

QUERY_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>prc-kg SPARQL endpoint</title>
<style>body{font-family:sans-serif;margin:2em;max-width:70em}textarea{width:100%;height:12em;font-family:monospace}
table{border-collapse:collapse;margin-top:1em}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}
#status{color:#555}</style></head>
<body><h1>prc-kg SPARQL endpoint</h1>
<p>Read-only SPARQL 1.1 query endpoint at <code>/sparql</code> (GET or POST). Time limit per query: TIMEOUT s;
at most MAXROWS rows.</p>
<textarea id="q">PREFIX prc: &lt;https://w3id.org/prc-kg/ontology/&gt;
PREFIX rdfs: &lt;http://www.w3.org/2000/01/rdf-schema#&gt;
SELECT ?section ?label WHERE { ?section a prc:ManualSection ; rdfs:label ?label } ORDER BY ?label</textarea>
<p><button id="run">Run</button> <span id="status"></span></p>
<div id="out"></div>
<script>
document.getElementById('run').addEventListener('click', async () => {
  const status = document.getElementById('status'), out = document.getElementById('out');
  status.textContent = 'running…'; out.replaceChildren();
  const response = await fetch('sparql', {method: 'POST', headers: {'Content-Type': 'application/sparql-query',
    'Accept': 'application/sparql-results+json'}, body: document.getElementById('q').value});
  const text = await response.text();
  if (!response.ok) { status.textContent = 'error ' + response.status + ': ' + text; return; }
  const data = JSON.parse(text);
  if ('boolean' in data) { status.textContent = String(data.boolean); return; }
  const table = document.createElement('table'), head = table.insertRow();
  for (const v of data.head.vars) { const th = document.createElement('th'); th.textContent = v; head.appendChild(th); }
  for (const b of data.results.bindings) {
    const row = table.insertRow();
    for (const v of data.head.vars) { row.insertCell().textContent = b[v] ? b[v].value : ''; }
  }
  out.appendChild(table); status.textContent = data.results.bindings.length + ' rows';
});
</script></body></html>
"""


__all__ = ["QUERY_PAGE"]
