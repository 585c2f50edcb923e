"""Projections of the RDF graph into networkx, one per view: the taxonomy, the cases, the findings.

Everything is read with SPARQL from a store (embedded, persistent or a remote endpoint), so the
views show what a query would show. Nodes are keyed by short IRIs (``prc:Interpretation``);
their attributes are plain strings and numbers that the HTML views and the analytics share.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable

import networkx as nx

from ..store.backends import Store
from ..store.querylib import packaged_query, short
from .wording import statement_wordings

# Roots of the taxonomy view and the group each one's descendants fall into when they have no section.
TAXONOMY_ROOTS = {"prc:ProcessComponent": "cross-cutting", "prc:Psychotherapy": "modality",
                  "prc:Instrument": "instrument"}
# Who speaks in a turn or segment is its class; prc:spokenBy names the person (one case's patient).
ROLE_OF_CLASS = {"prc:TherapistTurn": "therapist", "prc:PatientTurn": "patient", "prc:TherapistSegment": "therapist",
                 "prc:PatientSegment": "patient", "prc:JointSegment": "joint"}


def _value(term) -> str:
    return "" if term is None else str(term.value)


def _number(term) -> float | None:
    return None if term is None else float(term.value)


def _collect(rows: Iterable, key=0, value=1) -> dict[str, list[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        out[short(row[key])].add(_value(row[value]))
    return {k: sorted(v) for k, v in out.items()}


def taxonomy_graph(store: Store) -> nx.DiGraph:
    """Classes under the process components, the modalities and the instruments, with the
    instruments themselves; edges go from parent to child (``subclass``) and from an instrument
    to the constructs its items score (``measures``)."""
    g = nx.DiGraph()
    sections: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for term, number, label in store.query(packaged_query("projection/sections")).rows:
        sections[short(term)].append((int(number.value), _value(label)))
    sources = _collect(store.query(packaged_query("projection/sources")).rows)
    examples = examples_by_class(store)
    roots: dict[str, set[str]] = defaultdict(set)
    for cls, root, label, definition, code, tag in store.query(packaged_query("projection/taxonomy_classes")).rows:
        key = short(cls)
        roots[key].add(short(root))
        g.add_node(key, label=_value(label) or key, definition=_value(definition), code=_value(code),
                   tag=_value(tag), kind="class")
    for key, data in g.nodes(data=True):
        found = sorted(sections.get(key, []))
        fallback = next(TAXONOMY_ROOTS[r] for r in TAXONOMY_ROOTS if r in roots[key])
        data.update(group=f"section {found[0][0]}" if found else fallback,
                    sections=[label for _, label in found], sources=sources.get(key, []),
                    examples=examples.get(key, []))
    for cls, parent in store.query(packaged_query("projection/class_parents")).rows:
        child, up = short(cls), short(parent)
        if child in g and up in g:
            g.add_edge(up, child, kind="subclass")
    for instrument, cls, label, definition, tag in store.query(packaged_query("projection/instruments")).rows:
        key = short(instrument)
        g.add_node(key, label=_value(label) or key, definition=_value(definition), code="", tag=_value(tag),
                   kind="instrument", group="instrument", sections=[], sources=sources.get(key, []),
                   examples=[])
        if short(cls) in g:
            g.add_edge(short(cls), key, kind="instance")
    for instrument, construct in store.query(packaged_query("projection/instrument_constructs")).rows:
        a, b = short(instrument), short(construct)
        if a in g and b in g:
            g.add_edge(a, b, kind="measures")
    return g


def cases_of(store: Store) -> dict[str, tuple[str, str, bool]]:
    """For every instance that belongs to a case (case, session, turn, commentary …): the case's
    key, label and whether it was constructed for teaching."""
    cases = {short(case): (short(case), _value(label) or short(case), _value(constructed) == "true")
             for case, label, _, constructed in store.query(packaged_query("projection/cases")).rows}
    up = {short(part): short(whole) for part, whole in store.query(packaged_query("projection/part_of")).rows}
    found: dict[str, tuple[str, str, bool]] = {}
    for start in up:
        node, seen = start, set()
        while node not in cases and node in up and node not in seen:
            seen.add(node)
            node = up[node]
        if node in cases:
            found[start] = cases[node]
    found.update({key: value for key, value in cases.items()})
    return found


def examples_by_class(store: Store) -> dict[str, list[dict]]:
    """For each class, the instances that illustrate it and the case they belong to; ``wording`` says
    when the example is prc-kg's reconstruction rather than the source's words."""
    owner = cases_of(store)
    wordings = statement_wordings(store)
    out: dict[str, dict[str, dict]] = defaultdict(dict)
    for cls, example, label in store.query(packaged_query("projection/examples")).rows:
        case, case_label, constructed = owner.get(short(example), ("", "", None))
        wording = wordings.get(example.value)
        out[short(cls)][short(example)] = {"id": short(example), "label": _value(label), "case": case,
                                           "caseLabel": case_label, "constructed": constructed,
                                           "reconstructed": wording.label() if wording and wording.reconstructed
                                           else ""}
    return {cls: sorted(found.values(), key=lambda e: (e["caseLabel"], e["label"], e["id"]))
            for cls, found in out.items()}


def case_graphs(store: Store) -> dict[str, nx.DiGraph]:
    """One graph per case: case → sessions (in order) → moments (turns and segments, in order,
    chained by ``next``) → the components they are coded with, and commentaries on any of them
    with the components each commentary says it shows."""
    graphs: dict[str, nx.DiGraph] = {}
    owner = {part: case for part, (case, _, _) in cases_of(store).items()}
    wordings = statement_wordings(store)  # a real case's turns and commentaries: reconstructed or verbatim
    for case, label, description, constructed in store.query(packaged_query("projection/cases")).rows:
        key = short(case)
        g = nx.DiGraph(case=key, label=_value(label) or key, constructed=_value(constructed) == "true")
        g.add_node(key, label=_value(label) or key, kind="case", text=_value(description), order=0)
        graphs[key] = g
    for case, session, number, label, summary in store.query(packaged_query("projection/case_sessions")).rows:
        g, key = graphs[short(case)], short(session)
        g.add_node(key, label=f"session {int(number.value)}", kind="session", text=_value(summary),
                   order=int(number.value), title=_value(label))
        g.add_edge(short(case), key, kind="session")
    roles: dict[str, set[str]] = defaultdict(set)
    for moment, kind in store.query(packaged_query("projection/moment_roles")).rows:
        roles[short(moment)].add(ROLE_OF_CLASS[short(kind)])
    by_session: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for session, moment, position, label, speaker, tos, start, end, text, summary in store.query(packaged_query("projection/case_moments")).rows:
        skey, key = short(session), short(moment)
        g = graphs[owner[skey]]
        name = (f"TOS {start.value}–{end.value}" if start is not None and end is not None
                else f"TOS {tos.value}" if tos is not None else f"turn at position {position.value}")
        wording = wordings.get(moment.value)
        role = roles.get(key, set())
        g.add_node(key, label=name, kind="moment", speaker=next(iter(role)) if len(role) == 1 else "",
                   spokenBy=short(speaker) if speaker else "",
                   text=_value(text) or _value(summary), order=int(position.value), title=_value(label),
                   session=skey, wording=wording.label() if wording else "",
                   reconstructed=bool(wording and wording.reconstructed))
        by_session[skey].append((int(position.value), key))
    for skey, moments in by_session.items():
        g = graphs[owner[skey]]
        ordered = [key for _, key in sorted(moments)]
        g.add_edge(skey, ordered[0], kind="opens")
        for a, b in itertools.pairwise(ordered):
            g.add_edge(a, b, kind="next")
    for moment, code, label in store.query(packaged_query("projection/moment_codes")).rows:
        g = graphs.get(owner.get(short(moment), ""))
        if g is None:
            continue
        ckey = short(code)
        g.add_node(ckey, label=_value(label) or ckey, kind="component", text="", order=0)
        g.add_edge(short(moment), ckey, kind="coded")
    for commentary, target, evaluation, text in store.query(packaged_query("projection/commentaries")).rows:
        g = graphs.get(owner.get(short(target), ""))
        if g is None:
            continue
        verdict = short(evaluation).removeprefix("prc:").lower() if evaluation is not None else "unrated"
        key = short(commentary)
        wording = wordings.get(commentary.value)
        g.add_node(key, label=f"{verdict} commentary", kind="commentary", evaluation=verdict, text=_value(text),
                   order=0, wording=wording.label() if wording else "",
                   reconstructed=bool(wording and wording.reconstructed))
        g.add_edge(key, short(target), kind="comments")
    for commentary, code, label in store.query(packaged_query("projection/commentary_codes")).rows:
        g = graphs.get(owner.get(short(commentary), ""))
        if g is not None:
            g.add_node(short(code), label=_value(label) or short(code), kind="component", text="", order=0)
            g.add_edge(short(commentary), short(code), kind="illustrates")
    return graphs


DIRECTION_NAMES = {"prc:PositiveDirection": "positive", "prc:NegativeDirection": "negative",
                   "prc:NullDirection": "null", "prc:MixedDirection": "mixed", "prc:NotDirectional": "not-directional"}
EVIDENCE_NAMES = {"prc:MetaAnalysisEvidence": "meta-analysis", "prc:RandomisedTrialEvidence": "rct",
                  "prc:MultiCaseProcessEvidence": "multi-case", "prc:SingleCaseEvidence": "single-case",
                  "prc:ExpertClaimEvidence": "expert-claim"}


def effect_r(r: float | None, d: float | None) -> float | None:
    """An effect size on the r scale, converting Cohen's d with r = d / sqrt(d² + 4)."""
    if r is not None:
        return r
    if d is not None:
        return d / (d * d + 4) ** 0.5
    return None


def finding_info(store: Store) -> dict[str, dict]:
    """Every finding's statement, typed relation, figures, evidence and sources, keyed by short IRI,
    with its moderator conditions as "construct label: level"."""
    sources = _collect(store.query(packaged_query("projection/sources")).rows)
    conditions: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for finding, construct, level in store.query(packaged_query("projection/finding_conditions")).rows:
        conditions[short(finding)].append((short(construct), _value(level)))
    info: dict[str, dict] = {}
    for (finding, label, number, text, wording, direction, evidence, r, d, lower, upper, k, n, year, condition,
         sample, tag, asserts, asserts_label) in store.query(packaged_query("projection/findings")).rows:
        key = short(finding)
        info[key] = {"finding": key, "label": _value(label), "number": int(number.value) if number else None,
                     "text": _value(text), "relation": _value(asserts_label) or short(asserts),
                     "relationType": short(asserts), "wording": _value(wording),
                     "direction": DIRECTION_NAMES.get(short(direction), "unknown"),
                     "evidence": EVIDENCE_NAMES.get(short(evidence), "unknown"),
                     "r": _number(r), "d": _number(d), "ci": [_number(lower), _number(upper)] if lower else None,
                     "k": _number(k), "n": _number(n), "year": int(year.value) if year else None,
                     "condition": _value(condition), "sample": _value(sample), "tag": _value(tag),
                     "sources": sources.get(key, []), "moderators": [],
                     "levels": dict(sorted(conditions.get(key, [])))}
        info[key]["effect"] = effect_r(info[key]["r"], info[key]["d"])
    return info


def finding_roles(store: Store) -> tuple[dict[str, dict[str, list[str]]], dict[str, tuple[str, str]]]:
    """For each finding, its constructs by role (prc:findingSubject, …Object, …Moderator), and the
    label and definition of every construct named."""
    roles: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    constructs: dict[str, tuple[str, str]] = {}
    for finding, role, construct, label, definition in sorted(store.query(packaged_query("projection/finding_roles")).rows,
                                                              key=lambda row: tuple(_value(t) for t in row[:3])):
        ckey = short(construct)
        constructs[ckey] = (_value(label) or ckey, _value(definition))
        roles[short(finding)][short(role)].append(ckey)
    return roles, constructs


def findings_graph(store: Store) -> nx.MultiDiGraph:
    """Constructs as nodes and one edge per finding and (subject, object) pair, keyed by the
    finding, null findings included (they show what was looked for and not found). Edges between
    the same two constructs whose directions disagree (one positive, another negative or null) are
    marked ``conflict``."""
    g = nx.MultiDiGraph()
    info = finding_info(store)
    roles, constructs = finding_roles(store)
    for ckey, (label, definition) in constructs.items():
        g.add_node(ckey, label=label, definition=definition, kind="construct")
    for fkey in sorted(roles):
        role = roles[fkey]
        levels = info[fkey]["levels"]
        data = dict(info[fkey], moderators=role["prc:findingModerator"],
                    conditions=[f"{constructs[m][0]}: {levels.get(m) or 'level not stated'}"
                                for m in role["prc:findingModerator"]])
        for s in role["prc:findingSubject"]:
            for o in role["prc:findingObject"]:
                g.add_edge(s, o, key=fkey, conflict=False, **data)
    _mark_conflicts(g)
    return g


def _mark_conflicts(g: nx.MultiDiGraph) -> None:
    by_pair: dict[frozenset, list[tuple]] = defaultdict(list)
    for u, v, k, data in g.edges(keys=True, data=True):
        by_pair[frozenset((u, v))].append((u, v, k, data))
    for edges in by_pair.values():
        directions = {data["direction"] for *_, data in edges}
        if "positive" in directions and directions & {"negative", "null"} or "mixed" in directions and len(edges) > 1:
            for *_, data in edges:
                data["conflict"] = True


def evidence_graph(store: Store) -> nx.MultiDiGraph:
    """The graph evidence paths walk, with edges of four kinds (``kind``):

    - ``finding``: subject → object for each finding that is not null (a null finding asserts no
      relation), keyed by the finding; the same edges as the direct ``prc:associatedWith`` ones;
    - ``moderator``: moderator → object of its finding (``prc:moderates``), keyed by finding and
      moderator, with the level at which the finding holds;
    - ``broader`` / ``narrower``: the told subclass links, child → parent and parent → child;
    - ``case``: outcome class → a case whose judged outcome falls under it
      (``prc:matchesOutcomeJudgement``), and object of a finding → a case the finding was drawn from.

    Every named class is a node (``kind`` construct), so a path may pass through classes no finding
    names; cases are nodes of ``kind`` case, and nothing leaves them."""
    g = nx.MultiDiGraph()
    for cls, label, definition in store.query(packaged_query("projection/class_labels")).rows:
        key = short(cls)
        g.add_node(key, label=_value(label) or key, definition=_value(definition), kind="construct")
    info = finding_info(store)
    roles, constructs = finding_roles(store)
    for ckey, (label, definition) in constructs.items():
        if ckey not in g:
            g.add_node(ckey, label=label, definition=definition, kind="construct")
    asserted: dict[str, list[str]] = {}
    for fkey in sorted(roles):
        data, role = info[fkey], roles[fkey]
        if data["direction"] == "null":
            continue
        asserted[fkey] = role["prc:findingObject"]
        common = {"finding": fkey, "direction": data["direction"], "evidence": data["evidence"],
                  "sources": data["sources"]}
        for s in role["prc:findingSubject"]:
            for o in role["prc:findingObject"]:
                g.add_edge(s, o, key=fkey, kind="finding", relation=data["relation"], level="", **common)
        for m in role["prc:findingModerator"]:
            for o in role["prc:findingObject"]:
                g.add_edge(m, o, key=f"{fkey}|{m}", kind="moderator", relation="moderates",
                           level=data["levels"].get(m, ""), **common)
    for cls, parent in store.query(packaged_query("projection/class_parents")).rows:
        child, up = short(cls), short(parent)
        if child in g and up in g and child != up:
            g.add_edge(child, up, key="broader", kind="broader")
            g.add_edge(up, child, key="narrower", kind="narrower")
    sources = _collect(store.query(packaged_query("projection/sources")).rows)
    for case, label, outcome, verdict in store.query(packaged_query("projection/case_outcomes")).rows:
        ckey, okey = short(case), short(outcome)
        g.add_node(ckey, label=_value(label) or ckey, definition="", kind="case")
        if okey in g:
            g.add_edge(okey, ckey, key="outcome", kind="case", relation=f"outcome of the case, judged {_value(verdict)}",
                       finding="", direction="", evidence="case", sources=sources.get(ckey, []), level="")
    for finding, case, label in store.query(packaged_query("projection/finding_cases")).rows:
        fkey, ckey = short(finding), short(case)
        if fkey not in asserted:
            continue
        g.add_node(ckey, label=_value(label) or ckey, definition="", kind="case")
        for o in asserted[fkey]:
            g.add_edge(o, ckey, key=fkey, kind="case", relation="shown in the case the finding was drawn from",
                       finding=fkey, direction=info[fkey]["direction"], evidence=info[fkey]["evidence"],
                       sources=info[fkey]["sources"], level="")
    return g
