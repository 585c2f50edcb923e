// The endpoint's query page: YASGUI (vendored, web/yasgui/) set up to work offline against this
// server only, a picker of the query library with its parameters, a results table that shows the
// rdfs:label of an IRI where the query gives it, CONSTRUCT/DESCRIBE answers as Turtle, and downloads
// in the endpoint's own CSV, JSON and Turtle. Every data value is put in the page as text, never as HTML.
'use strict';
(() => {
  const config = JSON.parse(document.getElementById('prc-config').textContent);
  const here = (path) => new URL(path, window.location.href).href;
  const endpoint = here(config.endpoint);
  const prefixes = config.prefixes;
  const prologue = Object.keys(prefixes).filter((p) => ['prc', 'data', 'rdfs', 'skos'].includes(p))
    .map((p) => `PREFIX ${p}: <${prefixes[p]}>`).join('\n');
  const starter = `${prologue}\n\nSELECT ?section ?number ?label WHERE {\n  ?section a prc:ManualSection ;\n`
    + '    prc:sectionNumber ?number ;\n    rdfs:label ?label .\n}\nORDER BY ?number\n';
  const LOCAL = 'https://w3id.org/prc-kg/'; // our IRIs resolve on this server (/ontology/…, /data/…)

  // ---------------------------------------------------------------- the results table with labels
  const Yasr = Yasgui.Yasr;

  /** For each column, the column that labels it in a row: ?xLabel labels ?x; a ?label (or an ?xLabel
   *  with no ?x) labels the nearest column to its left holding an IRI in that row. */
  function labelFor(vars, row, col) {
    const own = vars.indexOf(vars[col] + 'Label');
    if (own >= 0) return row[own + 1];
    for (let j = col + 1; j < vars.length; j++) {
      const v = vars[j];
      const generic = v === 'label' || (v.endsWith('Label') && !vars.includes(v.slice(0, -5)));
      if (!generic) continue;
      for (let k = j - 1; k >= 0; k--) {  // the nearest IRI column left of this label
        const cell = row[k + 1];
        if (cell && cell.type === 'uri') {
          if (k === col) return row[j + 1];
          break;
        }
      }
    }
    return undefined;
  }

  function shortName(iri) {
    for (const [p, ns] of Object.entries(prefixes)) {
      if (iri.startsWith(ns) && iri.length > ns.length) return `${p}:${iri.slice(ns.length)}`;
    }
    return iri;
  }

  function iriHtml(iri, label) {
    const span = document.createElement('span');
    const a = document.createElement('a');
    a.className = 'iri';
    a.href = iri.startsWith(LOCAL) ? here(iri.slice(LOCAL.length - 1).replace(/^\/+/, '')) : iri;
    a.title = iri;
    a.textContent = label && label.value ? label.value : shortName(iri);
    span.appendChild(a);
    if (label && label.value) {
      const name = document.createElement('span');
      name.className = 'pname';
      name.textContent = shortName(iri);
      span.append(' ', name);
    }
    return span.outerHTML;  // outerHTML escapes the text and the attribute values
  }

  class LabelledTable extends Yasr.plugins.table {  // replaces YASR's table under its own name
    getColumns() {
      const columns = super.getColumns();
      const vars = this.yasr.results ? this.yasr.results.getVariables() : [];
      return columns.map((column, i) => {
        if (i === 0) return column;
        const plain = column.render;
        return {...column, render: (cell, type, row, meta) => {
          if (type !== 'display' || !cell || cell.type !== 'uri') return plain(cell, type, row, meta);
          return iriHtml(cell.value, labelFor(vars, row, i - 1));
        }};
      });
    }
  }
  Yasr.registerPlugin('table', LabelledTable);

  // ---------------------------------------------------------------- YASGUI, offline, this endpoint only
  // Completion of prefixes (from our /web/prefixes.json) and variables only: the class and property
  // completers ask lov.linkeddata.es. Set on the defaults, since YASGUI merges lists index by index.
  const completers = ['prefixes', 'variables'];
  Yasgui.Yasqe.defaults.autocompleters = [...completers];
  Yasgui.defaults.yasqe.autocompleters = [...completers];
  const yasgui = new Yasgui(document.getElementById('yasgui'), {
    requestConfig: {endpoint, method: 'POST', acceptHeaderSelect: 'application/sparql-results+json',
      acceptHeaderGraph: 'text/turtle'},
    copyEndpointOnNewTab: true,
    endpointCatalogueOptions: {getData: () => [{endpoint}], keys: []},
    persistenceId: 'prc-kg-query-page',
    yasqe: {value: starter, autocompleters: [...completers], prefixCcApi: here(config.prefixesUrl),
      resizeable: true, editorHeight: '320px'},
    yasr: {prefixes, pluginOrder: ['table', 'response'], defaultPlugin: 'table'},
  });
  window.prcYasgui = yasgui;  // for the browser tests and the curious

  const isGraphQuery = (yasqe) => ['CONSTRUCT', 'DESCRIBE'].includes(yasqe.getQueryType());
  yasgui.on('query', (_yasgui, tab) => {  // a graph answer is shown as the Turtle it came as
    tab.getYasr().selectPlugin(isGraphQuery(tab.getYasqe()) ? 'response' : 'table');
  });
  let answers = 0;  // answers drawn so far, as body[data-answers], so a test can wait for the next
  yasgui.on('queryResponse', (_yasgui, tab) => {
    tab.getYasr().once('drawn', () => { document.body.dataset.answers = String(++answers); });
  });

  // ---------------------------------------------------------------- the query library
  const select = document.getElementById('lib-query');
  const question = document.getElementById('lib-question');
  const form = document.getElementById('lib-params');
  const error = document.getElementById('lib-error');
  let library = [];
  let asked = 0;  // the latest binding asked for: an earlier answer arriving late is dropped

  async function fillEditor() {
    const query = library.find((q) => q.name === select.value);
    if (!query) return;
    const params = new URLSearchParams();
    for (const input of form.querySelectorAll('input')) params.set(input.name, input.value);
    const mine = ++asked;
    const response = await fetch(here(`${config.library}/${encodeURIComponent(query.name)}.rq?${params}`));
    const text = await response.text();
    if (mine !== asked) return;
    if (!response.ok) { error.textContent = text; form.dataset.bound = ''; return; }
    error.textContent = '';
    form.dataset.bound = params.toString();  // what the editor now holds, for the tests
    const tab = yasgui.getTab();
    tab.getYasqe().setValue(text);
    tab.setName(query.title);
  }

  function showQuery() {
    const query = library.find((q) => q.name === select.value);
    form.replaceChildren();
    error.textContent = '';
    question.textContent = query ? query.question : '';
    form.hidden = !query || query.params.length === 0;
    if (!query) return;
    for (const p of query.params) {
      const label = document.createElement('label');
      const input = document.createElement('input');
      input.name = p.name;
      input.value = p.default ?? '';
      input.placeholder = p.kind === 'iri' ? 'prc:Term, data:… or a full IRI' : p.kind;
      input.dataset.kind = p.kind;
      input.addEventListener('change', fillEditor);
      label.append(`${p.name} (${p.kind}) `, input);
      form.appendChild(label);
    }
    fillEditor();
  }

  fetch(here(config.library)).then((r) => r.json()).then((queries) => {
    library = queries;
    for (const q of queries) {
      const option = document.createElement('option');
      option.value = q.name;
      option.textContent = q.params.length ? `${q.title} (${q.params.map((p) => p.name).join(', ')})` : q.title;
      option.title = q.question;
      select.appendChild(option);
    }
    document.body.dataset.library = 'loaded';
  }).catch((e) => { error.textContent = `the query library could not be loaded: ${e}`; });
  select.addEventListener('change', showQuery);
  form.addEventListener('submit', (e) => { e.preventDefault(); fillEditor(); });

  // ---------------------------------------------------------------- downloads in the endpoint's formats
  const status = document.getElementById('dl-status');
  const download = (accept, extension) => async () => {
    const yasqe = yasgui.getTab().getYasqe();
    if (isGraphQuery(yasqe) !== (extension === 'ttl')) {
      status.textContent = isGraphQuery(yasqe) ? 'a CONSTRUCT or DESCRIBE answer is a graph: download it as Turtle'
        : 'Turtle is for CONSTRUCT and DESCRIBE answers: download a table as CSV or JSON';
      return;
    }
    status.textContent = 'running…';
    const response = await fetch(endpoint, {method: 'POST', headers: {Accept: accept,
      'Content-Type': 'application/x-www-form-urlencoded'}, body: new URLSearchParams({query: yasqe.getValue()})});
    if (!response.ok) { status.textContent = `error ${response.status}: ${await response.text()}`; return; }
    const a = document.createElement('a');
    a.href = URL.createObjectURL(await response.blob());
    a.download = `${select.value || 'query'}.${extension}`;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 60000);
    status.textContent = response.headers.get('X-Result-Truncated') ? 'downloaded (cut at the endpoint\'s limit)' : '';
  };
  document.getElementById('dl-csv').addEventListener('click', download('text/csv', 'csv'));
  document.getElementById('dl-json').addEventListener('click', download('application/sparql-results+json', 'json'));
  document.getElementById('dl-turtle').addEventListener('click', download('text/turtle', 'ttl'));
  document.body.dataset.ready = 'yes';
})();
