"""The endpoint's answer cache: a repeated query is answered again without a query process, answers
that change from run to run are not kept, media types are kept apart, the cache stays within its
bytes, and `--cache-mb 0` turns it off. (A store replaced under the server is answered from the new
store, not the cache: test_endpoint_safety.test_a_store_replaced_by_load_is_reopened asks the same
query before and after the swap.)"""

from __future__ import annotations

import csv
import io
import json

import pytest
from test_endpoint_safety import query, serving, small_store

from prc_kg.endpoint.answercache import AnswerCache, cacheable
from prc_kg.endpoint.queryprocess import Answer
from prc_kg.endpoint.server import Limits

pytestmark = pytest.mark.slow  # real servers and clients

SELECT = "SELECT ?o WHERE { ?s ?p ?o } ORDER BY ?o"


def test_a_repeated_query_is_answered_without_a_query_process(monkeypatch):
    with serving(small_store("a", "b")) as (server, url):
        first = query(url, SELECT)
        assert first[0] == 200 and [b["o"]["value"] for b in json.loads(first[2])["results"]["bindings"]] == ["a", "b"]

        def no_query_process(*args, **kw):
            raise AssertionError("a query process was asked for a cached answer")

        monkeypatch.setattr(server.pool, "_run", no_query_process)
        again = query(url, SELECT)
        assert again[0] == 200 and again[2] == first[2]
        assert server.pool.cache.hits == 1


def test_an_answer_that_changes_from_run_to_run_is_not_kept():
    text = "SELECT (STRUUID() AS ?id) WHERE {}"
    with serving(small_store("a")) as (server, url):
        ids = {json.loads(query(url, text)[2])["results"]["bindings"][0]["id"]["value"] for _ in range(2)}
        assert len(ids) == 2 and len(server.pool.cache) == 0


def test_each_media_type_gets_its_own_answer():
    with serving(small_store("a", "b")) as (_, url):
        assert query(url, SELECT)[0] == 200  # JSON, now kept
        status, headers, body = query(url, SELECT, accept="text/csv")
        assert status == 200 and headers["content-type"].startswith("text/csv")
        assert list(csv.reader(io.StringIO(body.decode()))) == [["o"], ["a"], ["b"]]


def test_errors_are_not_kept():
    with serving(small_store("a")) as (server, url):
        assert query(url, "SELECT ?o WHERE { ?s ?p ?o")[0] == 400
        assert query(url, "SELECT * WHERE { SERVICE <http://example.org/> { ?s ?p ?o } }")[0] == 403
        assert len(server.pool.cache) == 0


def test_cache_mb_0_turns_the_cache_off():
    with serving(small_store("a"), Limits(timeout=10, cache_mb=0)) as (server, url):
        assert server.pool.cache is None
        assert [query(url, SELECT)[0] for _ in range(2)] == [200, 200]


def test_cli_takes_cache_mb_and_max_queries():
    from prc_kg.cli.main import build_parser

    args = build_parser().parse_args(["serve", "--cache-mb", "0", "--max-queries", "8"])
    assert (args.cache_mb, args.max_queries) == (0, 8)
    args = build_parser().parse_args(["serve"])
    assert (args.cache_mb, args.max_queries) == (64, 0)
    assert Limits(max_queries=args.max_queries).query_slots() >= 4


def _answer(size: int) -> Answer:
    return Answer("ok", b"x" * size, "text/csv")


def test_the_cache_stays_within_its_bytes_least_recently_used_out_first():
    cache = AnswerCache(10_000)
    keys = [(0, f"q{i}", "text/csv", None, True) for i in range(20)]
    for key in keys[:5]:
        cache.put(key, _answer(1000))
    assert cache.get(keys[0]) is not None  # used again: the last to go
    for key in keys[5:]:
        cache.put(key, _answer(1000))
    kept = [key for key in keys if cache.get(key) is not None]
    assert 0 < len(kept) < 10 and sum(1000 + len(k[1]) + 200 for k in kept) <= 10_000
    assert keys[1] not in kept and keys[-1] in kept


def test_an_answer_over_an_eighth_of_the_cache_is_not_kept():
    cache = AnswerCache(8000)
    cache.put((0, "big", "text/csv", None, True), _answer(2000))
    assert len(cache) == 0


def test_a_newer_store_generation_drops_the_older_answers():
    cache = AnswerCache(1 << 20)
    cache.put((0, "q", "text/csv", None, True), _answer(10))
    cache.put((1, "r", "text/csv", None, True), _answer(10))
    cache.put((0, "s", "text/csv", None, True), _answer(10))  # computed on the old store, arriving late
    assert cache.get((0, "q", "text/csv", None, True)) is None and cache.get((0, "s", "text/csv", None, True)) is None
    assert cache.get((1, "r", "text/csv", None, True)) is not None


@pytest.mark.parametrize("text", ["SELECT (RAND() AS ?r) {}", "SELECT (now () AS ?t) {}",
                                  "SELECT (UUID() AS ?u) {}", "CONSTRUCT { ?s <urn:p> ?b } WHERE { BIND(BNODE() AS ?b) }"])
def test_volatile_functions_make_a_query_uncacheable(text):
    assert not cacheable(text)


def test_a_plain_query_is_cacheable():
    assert cacheable(SELECT)
