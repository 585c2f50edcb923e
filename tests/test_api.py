"""The Python front door (prc_kg.api): the README's example runs, and each way of opening the graph
gives what the CLI gives, with the CLI's errors and refusals."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from prc_kg import InputError, KnowledgeGraph, PrcKgError, Rows, iri
from prc_kg.cli.main import main
from prc_kg.fileio.files import OutputError

CQ01 = "cq01_session_intervention_types"
SESSION2 = "data:case/v2-rupture-repair/session/6"


@pytest.fixture(scope="module")
def ratings(study_ratings) -> Path:
    return study_ratings


def _cli(capsys, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _readme_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Python API\n", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```python\n(.*?)```", section, re.DOTALL).group(1)


@pytest.mark.slow
def test_readme_example_prints_the_rows_the_cli_gives(capsys):
    code = _readme_example()
    assert len(code.strip().splitlines()) <= 5 and "from_sources" in code and CQ01 in code
    exec(compile(code, "README.md", "exec"), {})  # noqa: S102 - running the README's example is the test
    printed = capsys.readouterr().out.splitlines()
    assert main(["query", CQ01, "--param", "session=data:case/annie/session/1", "--format", "json"]) == 0
    import json

    bindings = json.loads(capsys.readouterr().out)["results"]["bindings"]
    assert printed == [f"{b['label']['value']} {b['tos']['value']}" for b in bindings]
    assert printed and any(line.endswith(" 14") for line in printed)


def test_import_prc_kg_is_cheap_and_names_the_front_door():
    probe = ("import sys, prc_kg; heavy = [m for m in sys.modules if m.split('.')[0] in ('rdflib', 'pyoxigraph')"
             " or m == 'prc_kg.api']; print(heavy); from prc_kg import KnowledgeGraph, Rows; "
             "print(KnowledgeGraph.__module__, Rows.__module__, 'KnowledgeGraph' in dir(prc_kg))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.splitlines() == ["[]", "prc_kg.api prc_kg.store.rows True"]


@pytest.mark.slow
def test_query_from_sources_matches_the_cli(kg, ratings, capsys):
    rows = kg.query(CQ01, session=SESSION2)
    assert isinstance(rows, Rows) and rows.variables == ["type", "label", "tos"]
    assert rows and all(isinstance(r["tos"], int) and r["type"].startswith("https://") for r in rows)
    code, out, _ = _cli(capsys, "query", CQ01, "--param", f"session={SESSION2}", "--format", "csv",
                        "--store", str(_store_of(ratings)))
    assert code == 0 and rows.to_csv() == out
    assert rows.to_csv() != kg.query(CQ01).to_csv(), "the parameter was not bound"


_STORES: dict[Path, Path] = {}


def _store_of(ratings: Path) -> Path:
    """A store folder made with the CLI from the same sources and ratings as the `kg` fixture."""
    if ratings not in _STORES:
        folder = ratings.parent / "store"
        assert main(["load", "--store", str(folder), "--data", str(ratings)]) == 0
        _STORES[ratings] = folder
    return _STORES[ratings]


@pytest.mark.slow
def test_store_folder_gives_the_same_answers_as_the_sources(kg, ratings):
    on_disk = KnowledgeGraph.from_store(_store_of(ratings))
    assert len(on_disk.store) == len(kg.store)
    library = kg.queries()
    # GROUP_CONCAT joins in the store's own order, which differs between a store on disk and in memory
    names = [name for name, q in library.items() if "GROUP_CONCAT" not in q.text.upper()][:10]
    assert CQ01 in names
    for name in names:
        assert sorted(on_disk.query(name).to_csv().splitlines()) == sorted(kg.query(name).to_csv().splitlines()), name


def test_opening_a_store_puts_back_one_a_killed_load_left_aside(ratings, tmp_path, capsys):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True,
                          text=True, check=True).stdout.strip()
    aside = tmp_path / f".store.old-{dead}-abcd1234"
    shutil.copytree(_store_of(ratings), aside)
    graph = KnowledgeGraph.from_store(tmp_path / "store")
    assert f"restored {tmp_path / 'store'}" in capsys.readouterr().err
    assert graph.query("ASK { ?s ?p ?o }").boolean is True
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]


def test_missing_store_is_the_cli_error(tmp_path, capsys):
    with pytest.raises(InputError) as caught:
        KnowledgeGraph.from_store(tmp_path / "nowhere")
    code, _, err = _cli(capsys, "query", CQ01, "--store", str(tmp_path / "nowhere"))
    assert code == 2 and err.strip() == f"prc-kg: {caught.value}"


def test_endpoint_answers_as_the_embedded_store(kg):
    from prc_kg.endpoint.server import Limits, make_server, serve_in_thread

    server = make_server(kg.store.ox, "127.0.0.1", 0, Limits(timeout=30, max_rows=10_000))
    serve_in_thread(server)
    try:
        remote = KnowledgeGraph.from_endpoint(f"http://127.0.0.1:{server.server_address[1]}/sparql")
        assert remote.query(CQ01, session=SESSION2).to_csv() == kg.query(CQ01, session=SESSION2).to_csv()
        with pytest.raises(PrcKgError, match="validate checks the sources"):
            remote.validate()
    finally:
        server.shutdown()
        server.server_close()


def test_sparql_text_binds_python_values_as_terms(kg):
    text = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> SELECT ?label WHERE { ?s rdfs:label ?label }"
    assert [r["label"] for r in kg.query(text, s=iri("prc:Section1"))] != []
    assert list(kg.query(text, s='x" } DROP ALL #')) == []  # one harmless literal, nothing pasted in
    counted = kg.query("SELECT (?n + 1 AS ?m) WHERE { }", n=41)
    assert counted.variables == ["m"] and list(counted) == [{"m": 42}]


def test_bad_query_name_and_parameter_are_the_cli_errors(kg, capsys):
    for call, argv in ((lambda: kg.query("cq01_no_such_query"), ["query", "cq01_no_such_query"]),
                       (lambda: kg.query(CQ01, sesion=SESSION2), ["query", CQ01, "--param", f"sesion={SESSION2}"]),
                       (lambda: kg.query(CQ01, session="not an iri"), ["query", CQ01, "--param", "session=not an iri"])):
        with pytest.raises(InputError) as caught:
            call()
        code, _, err = _cli(capsys, *argv)
        assert code == 2 and err.strip() == f"prc-kg: {caught.value}"


def test_queries_lists_the_library(kg, capsys):
    code, out, _ = _cli(capsys, "queries")
    assert code == 0 and [line.split()[0] for line in out.splitlines()] == list(kg.queries())
    assert kg.queries()[CQ01].params["session"].kind == "iri"


def test_to_dataframe_with_and_without_pandas(kg, monkeypatch):
    rows = kg.query(CQ01)
    pytest.importorskip("pandas")
    frame = rows.to_dataframe()
    assert list(frame.columns) == rows.variables and len(frame) == len(rows)
    monkeypatch.setitem(sys.modules, "pandas", None)  # as if it were not installed
    with pytest.raises(PrcKgError, match="to_dataframe needs pandas"):
        rows.to_dataframe()


@pytest.mark.slow
def test_validate_reports_what_the_cli_prints(kg, tmp_path, capsys):
    leak = tmp_path / "leak.ttl"
    leak.write_text('<https://w3id.org/prc-kg/data/x> <http://www.w3.org/2000/01/rdf-schema#comment> '
                    '"call me on +44 20 7946 0958" .\n', encoding="utf-8")
    report = kg.validate(data=[leak])
    code, out, _ = _cli(capsys, "validate", "--data", str(leak))
    assert out.splitlines() == report.lines()
    assert code == 1 and not report.ok and any("leak.ttl" in line for line in report.lines())
    assert [r.name for r in report.results] == ["privacy", "SHACL on the examples"]


def test_build_views_writes_what_viz_writes_and_refuses_source_folders(kg, ratings, tmp_path, capsys):
    on_disk = KnowledgeGraph.from_store(_store_of(ratings))  # the same store as the CLI's: the same order
    summaries = on_disk.build_views(tmp_path / "api", views=["taxonomy", "findings"])
    assert [s.file for s in summaries] == ["taxonomy.html", "findings.html"]
    code, _, _ = _cli(capsys, "viz", "--store", str(_store_of(ratings)), "--views", "taxonomy,findings",
                      "--out", str(tmp_path / "cli"))
    assert code == 0
    for name in ("taxonomy.html", "findings.html", "index.html"):
        assert (tmp_path / "api" / name).read_bytes() == (tmp_path / "cli" / name).read_bytes(), name
    inside = ROOT / "examples" / "api-views"
    with pytest.raises(OutputError, match="inside the examples folder"):
        kg.build_views(inside)
    assert not inside.exists()
    with pytest.raises(PrcKgError, match="unknown view"):
        kg.build_views(tmp_path / "x", views=["nope"])
