"""Which project's data prc-kg reads: --project DIR, else $PRC_KG_PROJECT, else this checkout
(the wheel's own copy is tested in test_wheel.py)."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pytest
from conftest import ROOT

from prc_kg import paths
from prc_kg.cli.common import default_data_dir
from prc_kg.cli.main import main

EXTRA = "zz_only_in_the_copy"


@pytest.fixture
def project(tmp_path) -> Path:
    """A copy of the project's data with one query more than the checkout."""
    copy = tmp_path / "project"
    for folder in ("ontology", "queries", "examples"):
        shutil.copytree(ROOT / folder, copy / folder)
    shutil.copy(ROOT / "CHANGELOG.md", copy / "CHANGELOG.md")
    (copy / "queries" / f"{EXTRA}.rq").write_text("# title: a query only the copy has\nSELECT * WHERE { ?s ?p ?o }\n",
                                                  encoding="utf-8")
    return copy


def _listed(capsys, *argv: str) -> set[str]:
    assert main([*argv, "queries"]) == 0
    return {line.split()[0] for line in capsys.readouterr().out.splitlines() if line.strip()}


def test_without_a_choice_the_checkout_is_used(capsys, monkeypatch):
    monkeypatch.delenv(paths.ENV_VAR, raising=False)
    assert paths.project_dir() == ROOT and not paths.is_packaged()
    assert paths.ontology_dir() == ROOT / "ontology"
    assert EXTRA not in _listed(capsys)


def test_project_option_reads_that_project(project, capsys, monkeypatch):
    monkeypatch.delenv(paths.ENV_VAR, raising=False)
    assert EXTRA in _listed(capsys, "--project", str(project))
    assert paths.project_dir() == ROOT  # the choice ends with the command


def test_environment_variable_reads_that_project(project, capsys, monkeypatch):
    monkeypatch.setenv(paths.ENV_VAR, str(project))
    assert EXTRA in _listed(capsys)
    assert paths.item_mapping() == project / "examples" / "mappings" / "items.csv"


def test_project_option_wins_over_the_environment_variable(project, capsys, monkeypatch):
    monkeypatch.setenv(paths.ENV_VAR, str(project))
    assert EXTRA not in _listed(capsys, "--project", str(ROOT))


@pytest.mark.parametrize("how", ["option", "environment"])
def test_a_folder_that_is_no_project_is_refused_by_name(tmp_path, capsys, monkeypatch, how):
    (tmp_path / "queries").mkdir()
    argv = ["--project", str(tmp_path), "queries"] if how == "option" else ["queries"]
    if how == "environment":
        monkeypatch.setenv(paths.ENV_VAR, str(tmp_path))
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert str(tmp_path) in err and "ontology/prc-kg.ttl is missing" in err


def test_a_missing_project_folder_is_refused_by_name(tmp_path, capsys):
    assert main(["--project", str(tmp_path / "nowhere"), "queries"]) == 2
    assert f"{tmp_path / 'nowhere'}: project folder not found" in capsys.readouterr().err


def test_default_data_folder_is_beside_the_chosen_project(project, monkeypatch):
    monkeypatch.delenv(paths.ENV_VAR, raising=False)
    args = argparse.Namespace(ontology=None)
    assert default_data_dir(args) == ROOT / "build" / "ratings"
    with paths.chosen_project(project):
        assert default_data_dir(args) == project / "build" / "ratings"
    assert default_data_dir(argparse.Namespace(ontology=project / "ontology")) == project / "build" / "ratings"


def test_cache_dir_follows_the_environment_then_the_checkout(monkeypatch, tmp_path):
    """PRC_KG_CACHE wins; without it a checkout keeps its caches in its own git-ignored build folder."""
    from prc_kg import paths

    monkeypatch.setenv(paths.CACHE_ENV_VAR, str(tmp_path / "c"))
    assert paths.cache_dir() == tmp_path / "c"
    monkeypatch.delenv(paths.CACHE_ENV_VAR)
    monkeypatch.delenv(paths.ENV_VAR, raising=False)
    assert paths.cache_dir() == ROOT / "build" / "cache"
