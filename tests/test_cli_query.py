"""`prc-kg query` as a SPARQL user runs it: any query file (a `# title:` line optional), a query piped
on standard input, library queries with their parameters, tables that fit the terminal with cut cells
ending in "…", and `prc-kg --version`."""

from __future__ import annotations

import csv
import io
import json
import sys
from importlib.metadata import version

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rich.cells import cell_len

from prc_kg.cli.common import write_rows
from prc_kg.cli.main import main
from prc_kg.cli.tables import fit_widths, plain_table

PRC = "https://w3id.org/prc-kg/ontology/"
LONG = "A therapist intervention that " + "names back the feeling heard " * 6 + "END"
ESC = "alarm\x1b[31m red"
LABELS = {"Short": "short", "Long": LONG, "Escape": ESC, "Markup": "[bold]not bold[/bold]", "Wide": "転移の解釈 and more"}
LABELS_QUERY = ("PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                "SELECT ?class ?label WHERE { ?class a <http://www.w3.org/2002/07/owl#Class> ; rdfs:label ?label } "
                "ORDER BY ?class\n")


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """A small store made as `prc-kg load` makes one: five classes whose labels are long, hold an ESC
    sequence, rich markup or wide characters."""
    from prc_kg.store.dataset import load_dataset

    g = Graph()
    for name, label in LABELS.items():
        g.add((URIRef(PRC + name), RDF.type, OWL.Class))
        g.add((URIRef(PRC + name), RDFS.label, Literal(label)))
    folder = tmp_path_factory.mktemp("query-store") / "store"
    store, _ = load_dataset(g, None, [], folder, mappings=Graph())
    store.ox.flush()
    del store
    return folder


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def csv_rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def stdin(monkeypatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))


# -- where the query comes from ---------------------------------------------------------------------------

def test_a_query_on_standard_input_runs(store, capsys, monkeypatch):
    stdin(monkeypatch, LABELS_QUERY.encode("utf-8"))
    code, out, err = run(capsys, "query", "-", "--store", str(store), "--format", "csv")
    assert code == 0, err
    rows = csv_rows(out)
    assert [r["label"] for r in rows] == [LABELS[n] for n in sorted(LABELS)]


def test_a_query_on_standard_input_takes_its_declared_parameters(store, capsys, monkeypatch):
    text = ("# param: cls iri = prc:Short\n"
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nSELECT ?label WHERE { ?cls rdfs:label ?label }\n")
    stdin(monkeypatch, text.encode("utf-8"))
    code, out, err = run(capsys, "query", "-", "--store", str(store), "--format", "csv", "--param", "cls=prc:Long")
    assert code == 0, err
    assert [r["label"] for r in csv_rows(out)] == [LONG]
    stdin(monkeypatch, text.encode("utf-8"))  # the default of the header line
    assert [r["label"] for r in csv_rows(run(capsys, "query", "-", "--store", str(store), "--format", "csv")[1])] \
        == ["short"]


@pytest.mark.parametrize("data,message", [
    (b"", "<stdin>: nothing was read; expected a SPARQL query"),
    (b"  \n", "<stdin>: nothing was read; expected a SPARQL query"),
    (b"# title: x\nSELECT ?s WHERE { ?s ?p \"caf\xe9\" }\n", "<stdin>:2: not UTF-8 (byte 0xe9"),
    (b"SELEC ?s WHERE { ?s ?p ?o }\n", "<stdin>: "),
])
def test_bad_standard_input_is_named(store, capsys, monkeypatch, data, message):
    stdin(monkeypatch, data)
    code, out, err = run(capsys, "query", "-", "--store", str(store))
    assert code == 2 and out == ""
    assert err.startswith(f"prc-kg: {message}"), err


def test_unknown_parameter_is_refused_before_standard_input_is_read(store, capsys, monkeypatch):
    stdin(monkeypatch, LABELS_QUERY.encode("utf-8"))
    code, _, err = run(capsys, "query", "-", "--store", str(store), "--param", "nosuch")
    assert code == 2 and "--param: expected name=value, got 'nosuch'" in err
    assert sys.stdin.buffer.read() == LABELS_QUERY.encode("utf-8")  # nothing typed was lost to the error


@pytest.mark.parametrize("name", ["labels.rq", "labels.sparql"])
def test_any_query_file_runs_without_a_title_line(store, tmp_path, capsys, name):
    query = tmp_path / name
    query.write_text(LABELS_QUERY, encoding="utf-8")
    code, out, err = run(capsys, "query", str(query), "--store", str(store), "--format", "json")
    assert code == 0, err
    assert len(json.loads(out)["results"]["bindings"]) == len(LABELS)


def test_a_missing_query_file_is_named(store, tmp_path, capsys):
    code, _, err = run(capsys, "query", str(tmp_path / "nothere.sparql"), "--store", str(store))
    assert code == 2 and err.strip() == f"prc-kg: {tmp_path / 'nothere.sparql'}: query file not found"


def test_library_queries_still_need_their_title_and_take_parameters(store, tmp_path, capsys):
    library = tmp_path / "library"
    library.mkdir()
    (library / "label_of.rq").write_text(
        "# title: The label of a class\n# param: cls iri = prc:Short\n"
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nSELECT ?label WHERE { ?cls rdfs:label ?label }\n",
        encoding="utf-8")
    code, out, err = run(capsys, "query", "label_of", "--queries", str(library), "--store", str(store),
                         "--param", "cls=prc:Wide", "--format", "csv")
    assert code == 0, err
    assert [r["label"] for r in csv_rows(out)] == [LABELS["Wide"]]
    (library / "untitled.rq").write_text("SELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    code, _, err = run(capsys, "query", "label_of", "--queries", str(library), "--store", str(store))
    assert code == 2 and "untitled.rq:1 [title]: missing '# title:' header line" in err


# -- tables ---------------------------------------------------------------------------------------------

def table_lines(capsys, store, monkeypatch, columns: str | None) -> list[str]:
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    stdin(monkeypatch, LABELS_QUERY.encode("utf-8"))
    code, out, err = run(capsys, "query", "-", "--store", str(store))
    assert code == 0, err
    return out.splitlines()


@pytest.mark.parametrize("width", [50, 72, 100])
def test_a_table_fits_the_terminal_width_and_cut_cells_end_in_an_ellipsis(store, capsys, monkeypatch, width):
    lines = table_lines(capsys, store, monkeypatch, str(width))
    assert lines[-1] == f"({len(LABELS)} rows)"
    assert max(cell_len(line) for line in lines) <= width
    assert lines[0].split() == ["class", "label"]
    rows = dict(line.split(None, 1) for line in lines[2:-1])
    assert set(rows) == {f"prc:{name}" for name in LABELS}  # the prefixed names are narrow: never cut here
    cut = rows["prc:Long"]
    assert cut.endswith("…") and LONG.startswith(cut[:-1]) and len(cut) < len(LONG)
    assert rows["prc:Short"] == "short"


def test_a_piped_table_keeps_one_line_per_row_with_columns_capped(store, capsys, monkeypatch):
    lines = table_lines(capsys, store, monkeypatch, None)  # captured: no terminal, no COLUMNS
    rows = dict(line.split(None, 1) for line in lines[2:-1])
    assert len(lines) == len(LABELS) + 3
    assert rows["prc:Long"] == LONG[:59] + "…"
    assert rows["prc:Wide"] == LABELS["Wide"]  # wide characters counted as two cells, not cut


def test_control_characters_in_cells_are_shown_not_sent(store, capsys, monkeypatch):
    lines = table_lines(capsys, store, monkeypatch, "120")
    text = "\n".join(lines)
    assert "\x1b" not in text
    assert "alarm\\x1b[31m red" in text


def test_analysis_tables_fit_too_and_show_labels_as_written(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    write_rows(["construct", "label", "degree"], [["prc:Long", LONG, 3], ["prc:Markup", "[bold]x[/bold]", 0.5]],
               "table")
    lines = capsys.readouterr().out.splitlines()
    assert max(cell_len(line) for line in lines) <= 60
    assert any("…" in line and "A therapist intervention" in line for line in lines)
    assert any("[bold]x[/bold]" in line for line in lines)  # data, not rich markup
    assert any("0.500" in line for line in lines)


def test_machine_formats_are_not_cut(store, capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "40")
    stdin(monkeypatch, LABELS_QUERY.encode("utf-8"))
    _, out, _ = run(capsys, "query", "-", "--store", str(store), "--format", "csv")
    assert LONG in {r["label"] for r in csv_rows(out)}


@pytest.mark.parametrize("natural,room", [([5, 80, 30], 60), ([100, 100], 50), ([3, 4], 100), ([40] * 6, 90),
                                          ([7, 200, 9, 12], 70)])
def test_fitted_widths_use_the_room_and_cut_the_widest_first(natural, room):
    widths = fit_widths(natural, room)
    assert sum(widths) <= room or all(w <= 6 for w in widths)
    assert all(w <= n for w, n in zip(widths, natural))
    if sum(natural) <= room:
        assert widths == natural
    else:
        assert sum(widths) == room
        cut = [w for w, n in zip(widths, natural) if w < n]
        kept = [w for w, n in zip(widths, natural) if w == n]
        assert not kept or not cut or min(cut) >= max(kept)  # only the widest columns are cut


def test_plain_table_lines_never_pass_the_width():
    rows = [["x" * n, "y" * (90 - n)] for n in range(0, 91, 15)]
    for width in (20, 33, 61):
        assert all(cell_len(line) <= width for line in plain_table(["a", "b"], rows, width))


# -- version ----------------------------------------------------------------------------------------------

def test_version_is_the_package_version(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"prc-kg {version('prc-kg')}"
