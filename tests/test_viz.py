"""The HTML views, read as a parser reads them: counts equal the graph's, nothing is fetched from
outside, labels from the data never become markup, and the same graph gives the same bytes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import HOSTILE

from prc_kg.analysis.projection import case_graphs, findings_graph, taxonomy_graph
from prc_kg.analysis.sequences import rated_pairs
from prc_kg.views.build import build_views
from prc_kg.views.registry import VIEWS, names


class Page(HTMLParser):
    """Collects every URL-bearing attribute, the tags used and the JSON payload of a page."""

    def __init__(self, text: str):
        super().__init__()
        self.urls: list[str] = []
        self.tags: list[tuple[str, dict]] = []
        self._in_data = False
        self.payload_text = ""
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        self.urls += [v for k, v in attrs.items() if k in ("src", "href", "action", "data", "xlink:href") and v]
        self._in_data = tag == "script" and attrs.get("id") == "prc-data"

    def handle_endtag(self, tag):
        self._in_data = False

    def handle_data(self, data):
        if self._in_data:
            self.payload_text += data

    @property
    def payload(self) -> dict:
        return json.loads(self.payload_text)


@pytest.fixture(scope="module")
def views(kg_store, tmp_path_factory):
    out = tmp_path_factory.mktemp("html")
    summaries = build_views(kg_store, out)
    return out, {s.name: s for s in summaries}


def _page(folder: Path, name: str) -> Page:
    return Page((folder / f"{name}.html").read_text(encoding="utf-8"))


def test_every_view_and_an_index_are_written(views):
    out, _summaries = views
    # a folder view (transcripts) writes a folder with its index.html in it
    assert sorted(p.name for p in out.iterdir()) == sorted({v.file.split("/")[0] for v in VIEWS} | {"index.html"})
    assert all((out / v.file).is_file() for v in VIEWS) and len(VIEWS) == len(names())
    index = _page(out, "index")
    assert {u for u in index.urls} >= {v.file for v in VIEWS}


def test_no_page_refers_to_anything_outside_the_folder(views):
    out, _ = views
    for path in sorted(out.glob("*.html")):
        page = Page(path.read_text(encoding="utf-8"))
        assert all("://" not in u and not u.startswith(("//", "javascript:", "data:")) for u in page.urls), path.name
        assert not any(tag == "link" for tag, _ in page.tags), path.name
        scripts = [a for tag, a in page.tags if tag == "script"]
        assert all("src" not in a for a in scripts), f"{path.name} loads a script from a file or URL"
        csp = [a for tag, a in page.tags if tag == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
        assert csp and "default-src 'none'" in csp[0]["content"]


def test_taxonomy_view_counts_equal_the_projection(views, kg_store):
    out, summaries = views
    data = _page(out, "taxonomy").payload["datasets"]["taxonomy"]
    g = taxonomy_graph(kg_store)
    assert len(data["nodes"]) == g.number_of_nodes() == summaries["taxonomy"].nodes
    assert len(data["edges"]) == g.number_of_edges()
    node = next(n for n in data["nodes"] if n["id"] == "prc:InterpretationOfDefense")
    assert node["group"] == "section 3" and node["info"]["definition"] and node["info"]["sources"]
    examples = next(v for k, v in node["info"].items() if k.startswith("examples"))
    assert examples and all(e["page"] == "case.html" for e in examples if isinstance(e, dict))
    assert len({(n["x"], n["y"]) for n in data["nodes"]}) == len(data["nodes"]), "two nodes share a position"


def test_case_view_shows_annie_session_one_in_order_with_commentary(views, kg_store):
    out, _ = views
    payload = _page(out, "case").payload
    assert payload["datasetOrder"][0] == "data:case/annie"
    annie = payload["datasets"]["data:case/annie"]
    g = case_graphs(kg_store)["data:case/annie"]
    assert (len(annie["nodes"]), len(annie["edges"])) == (g.number_of_nodes(), g.number_of_edges())
    moments = sorted((n for n in annie["nodes"] if n["group"] == "moment"), key=lambda n: n["y"])
    assert [n["label"] for n in moments][:4] == ["TOS 14", "TOS 70–94", "TOS 105", "TOS 114"]
    helpful = {n["color"] for d in payload["datasets"].values() for n in d["nodes"]
               if n["group"] == "commentary" and n["info"]["evaluation"] == "helpful"}
    unhelpful = {n["color"] for d in payload["datasets"].values() for n in d["nodes"]
                 if n["group"] == "commentary" and n["info"]["evaluation"] == "unhelpful"}
    assert helpful and unhelpful and not helpful & unhelpful
    constructed = [d["title"] for k, d in payload["datasets"].items() if k.startswith("data:case/v")]
    assert constructed and all("constructed vignette" in t for t in constructed)


def test_findings_view_encodes_sign_effect_evidence_and_conflict(views, kg_store):
    out, _ = views
    data = _page(out, "findings").payload["datasets"]["findings"]
    g = findings_graph(kg_store)
    assert (len(data["nodes"]), len(data["edges"])) == (g.number_of_nodes(), g.number_of_edges())
    by_direction = {}
    for e in data["edges"]:
        by_direction.setdefault(e["info"]["direction"], set()).add(json.dumps(e["color"]))
    assert all(len(colours) == 1 for colours in by_direction.values())
    assert len({c for colours in by_direction.values() for c in colours}) == len(by_direction)
    meta = [e for e in data["edges"] if e["info"]["evidence"] == "meta-analysis" and "r =" in e["info"]["figures"]]
    assert meta and all(e["dashes"] is False and e["width"] > 1.5 for e in meta)
    assert all(e["dashes"] for e in data["edges"] if e["info"]["evidence"] == "expert-claim")
    conflicts = [e for e in data["edges"] if e["label"] == "conflict"]
    assert conflicts and len(conflicts) == sum(1 for *_, d in g.edges(data=True) if d["conflict"])
    assert len(data["table"]["rows"]) == len(data["edges"])


def test_transition_view_marks_the_planted_pattern(views, kg_store):
    out, _ = views
    payload = _page(out, "transitions").payload
    assert {"ratings:pooled", "turns:pooled"} <= set(payload["datasets"])
    assert sum(k.startswith("ratings:data:") for k in payload["datasets"]) == 3
    pooled = payload["datasets"]["ratings:pooled"]
    transitions = rated_pairs(kg_store).transitions()
    assert len(pooled["edges"]) == sum(1 for t in transitions if t.n_ab > 0 or t.significant)
    edge = next(e for e in pooled["edges"] if e["info"]["antecedent"] == "interpretation"
                and e["info"]["consequent"] == "patient productivity")
    assert edge["color"] == "#c62828" and edge["label"].startswith("z = ")
    assert len(pooled["table"]["rows"]) == len(transitions)
    # the pooled table also pools the dyads by random effects; a single dyad's table does not
    columns = pooled["table"]["columns"]
    row = next(r["cells"] for r in pooled["table"]["rows"] if r["cells"][:2] == ["interpretation",
                                                                                "patient productivity"])
    effect = next(t for t in rated_pairs(kg_store).random_effects() if t.antecedent.endswith("/Interpretation")
                  and t.consequent.endswith("/PatientProductivity"))
    cell = row[columns.index("odds ratio, random effects [95 % CI]")]
    assert cell == f"{effect.odds_ratio:.2f} [{effect.ci_low:.2f}, {effect.ci_high:.2f}]"
    assert row[columns.index("p (exact)")] not in ("", "–")
    assert "I²" not in payload["datasets"]["ratings:data:study/example-study/dyad/d1"]["table"]["columns"]


def test_trajectories_are_charts_with_a_table_of_the_same_numbers(views):
    out, summaries = views
    text = (out / "trajectories.html").read_text(encoding="utf-8")
    page = Page(text)
    assert sum(tag == "svg" for tag, _ in page.tags) == 3 == summaries["trajectories"].datasets
    assert sum(tag == "polyline" for tag, _ in page.tags) == 15
    assert "APS:PAT-PROD" in text and "session 8" in text


@pytest.mark.slow
def test_markup_in_labels_and_texts_stays_text(hostile_views):
    for path in sorted(hostile_views.glob("*.html")):
        text = path.read_text(encoding="utf-8")
        assert "<img" not in text and "</script><script>alert" not in text, path.name
        page = Page(text)
        assert not any(tag == "img" for tag, _ in page.tags)
        assert sum(tag == "script" for tag, _ in page.tags) in (0, 3)
    taxonomy = Page((hostile_views / "taxonomy.html").read_text(encoding="utf-8")).payload
    labels = {n["label"] for n in taxonomy["datasets"]["taxonomy"]["nodes"]}
    assert HOSTILE in labels  # shown as text, exactly as written
    assert "&lt;img src=x onerror=alert(1)&gt;" in (hostile_views / "trajectories.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_same_graph_same_bytes_across_runs_and_hash_seeds(store_dir, tmp_path):
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"run{seed}"
        env = dict(os.environ, PYTHONHASHSEED=seed)
        subprocess.run([sys.executable, "-m", "prc_kg.cli.main", "viz", "--store", str(store_dir), "--out", str(out)],
                       check=True, env=env, capture_output=True)
        outs.append(out)
    files = sorted(p.relative_to(outs[0]) for p in outs[0].rglob("*") if p.is_file())
    assert sorted(p.relative_to(outs[1]) for p in outs[1].rglob("*") if p.is_file()) == files
    assert any(f.parts[0] == "transcripts" for f in files)
    for name in files:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name


def test_a_failing_build_writes_nothing(kg_store, tmp_path):
    with pytest.raises(ValueError, match="unknown view"):
        build_views(kg_store, tmp_path / "html", ("taxonomy", "sociogram"))
    assert not (tmp_path / "html").exists()


@pytest.mark.slow
def test_viz_command_rejects_an_unknown_view(capsys, store_dir, tmp_path):
    from prc_kg.cli.main import main

    with pytest.raises(SystemExit) as exc:
        main(["viz", "--views", "taxonomy,sociogram", "--store", str(store_dir), "--out", str(tmp_path)])
    assert exc.value.code == 2
    assert "unknown view(s) sociogram" in capsys.readouterr().err


def test_a_missing_store_is_named_and_nothing_is_written(capsys, tmp_path):
    from prc_kg.cli.main import main

    assert main(["viz", "--store", str(tmp_path / "missing"), "--out", str(tmp_path / "html")]) == 2
    assert "no store here" in capsys.readouterr().err
    assert not (tmp_path / "html").exists()


@pytest.mark.slow
def test_one_registration_adds_a_view_to_viz_its_choices_the_navigation_and_the_overview(
        kg_store, store_dir, tmp_path, monkeypatch, capsys):
    from prc_kg.cli.main import main
    from prc_kg.views import registry as viewregistry
    from prc_kg.views.htmlpage import PlainPage

    extra = viewregistry.View("sociogram", "Who talks to whom", "a test view registered by the test",
                              lambda store, options: PlainPage("sociogram", "Sociogram", "<p>drawn</p>\n",
                                                               datasets=1, note="registered"),
                              network=False)
    monkeypatch.setattr(viewregistry, "VIEWS", (*viewregistry.VIEWS, extra), raising=True)
    out = tmp_path / "html"
    summaries = build_views(kg_store, out, ("findings", "sociogram"))
    assert [s.file for s in summaries] == ["findings.html", "sociogram.html"]
    assert sorted(p.name for p in out.iterdir()) == ["findings.html", "index.html", "sociogram.html"]
    index = _page(out, "index")
    assert index.urls.count("sociogram.html") == 2  # the navigation and the overview's table
    assert "sociogram.html" in _page(out, "findings").urls
    text = (out / "findings.html").read_text(encoding="utf-8")
    assert '<a href="sociogram.html">Who talks to whom</a>' in text
    assert "<b>Who talks to whom</b>" in (out / "sociogram.html").read_text(encoding="utf-8")

    with pytest.raises(SystemExit):
        main(["viz", "--help"])
    assert "sociogram (a test view registered by the test)" in " ".join(capsys.readouterr().out.split())
    cli_out = tmp_path / "cli"
    assert main(["viz", "--views", "sociogram", "--store", str(store_dir), "--out", str(cli_out)]) == 0
    assert sorted(p.name for p in cli_out.iterdir()) == ["index.html", "sociogram.html"]


# -- first look: what a visitor sees before clicking anything (issue 14) -----------------------
TURN_ROLES = """PREFIX prc: <https://w3id.org/prc-kg/ontology/>
SELECT ?turn ?kind WHERE { VALUES ?kind { prc:TherapistTurn prc:PatientTurn } ?turn prc:partOfSession ?s ; a ?kind }"""


def test_case_turns_are_coloured_by_the_speaker_their_class_gives(views, kg_store):
    """The colour comes from the turn's class (prc:TherapistTurn, prc:PatientTurn); it used to be
    looked up by the speaker individual's IRI and every turn came out grey."""
    from prc_kg.store.querylib import short
    from prc_kg.views.casepage import CASE_COLOURS

    out, _ = views
    payload = _page(out, "case").payload
    moments = {n["id"]: n for d in payload["datasets"].values() for n in d["nodes"] if n["group"] == "moment"}
    role = {short(turn): "therapist" if short(kind) == "prc:TherapistTurn" else "patient"
            for turn, kind in kg_store.query(TURN_ROLES).rows if short(turn) in moments}
    assert sum(r == "therapist" for r in role.values()) > 100 and sum(r == "patient" for r in role.values()) > 100
    for key, node in moments.items():
        expected = role.get(key, "")
        assert node["color"] == CASE_COLOURS[expected], key
        assert node["info"]["speaker"] == (expected or "not recorded"), key
    turn = moments["data:case/v3-transference-skilful/session/4/tos/2"]  # "I noticed you looked at the clock…"
    assert (turn["color"], turn["info"]["spoken by"]) == ("#ef6c00", "data:case/v3-transference-skilful/therapist")


def test_taxonomy_example_links_name_the_turn_or_commentary_itself(views):
    out, _ = views
    case_nodes = {n["id"]: n["group"] for d in _page(out, "case").payload["datasets"].values() for n in d["nodes"]}
    links = [e["link"] for n in _page(out, "taxonomy").payload["datasets"]["taxonomy"]["nodes"]
             for k, v in n["info"].items() if k.startswith("examples") for e in v
             if isinstance(e, dict) and e["page"] == "case.html"]
    assert len(links) > 1000
    assert all(case_nodes.get(link) in ("moment", "commentary") for link in links)  # not just the case
    assert "data:case/v3-transference-skilful/session/4/tos/2" in links


def test_taxonomy_labels_roots_and_sections_largest(views):
    out, _ = views
    data = _page(out, "taxonomy").payload["datasets"]["taxonomy"]
    font = {n["id"]: n["font"]["size"] for n in data["nodes"]}
    sections = {e["to"] for e in data["edges"] if e["from"] == "prc:ProcessComponent"}
    assert {"prc:HelpSeekingAndChange", "prc:AllianceComponent", "prc:TherapistContribution",
            "prc:PatientContribution", "prc:InteractionPhenomenon"} <= sections
    first = sections | {"prc:ProcessComponent", "prc:Psychotherapy", "prc:Instrument"}
    assert min(font[k] for k in first) > 2 * max(size for k, size in font.items() if k not in first)


def test_findings_table_is_led_by_labels(views, kg_store):
    out, _ = views
    table = _page(out, "findings").payload["datasets"]["findings"]["table"]
    assert table["columns"][:3] == ["subject", "relation", "object"] and table["columns"][-1] == "finding (IRI)"
    labels = {d["label"] for _, d in findings_graph(kg_store).nodes(data=True)}
    assert all(r["cells"][0] in labels and r["cells"][2] in labels for r in table["rows"])
    assert all(r["cells"][-1].startswith("data:finding/") for r in table["rows"])
    firsts = [r["cells"][0].lower() for r in table["rows"]]
    assert firsts == sorted(firsts)


def test_overview_says_what_each_page_holds(views):
    out, summaries = views
    index = (out / "index.html").read_text(encoding="utf-8")
    rows = {row.split("</a>")[0].rsplit(">", 1)[1]: row for row in index.split("<tr>")[2:]}
    assert "0 nodes" not in index
    assert f"{summaries['taxonomy'].nodes} nodes, {summaries['taxonomy'].edges} edges" in rows["Taxonomy"]
    assert "<td>15 series (SVG charts)</td>" in rows["Trajectories"]
    assert "transcript pages" in rows["Transcripts"] and "the class hierarchy" in rows["Taxonomy"]
