"""Commands on pictures and analytics: the HTML views, centrality and transition statistics, and
evidence paths between two constructs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import (
    EXIT_FAILED,
    EXIT_INPUT,
    EXIT_OK,
    graph_for,
    number,
    store_for,
    whole,
    with_examples,
    with_ontology,
    with_store,
    write_rows,
)

ALPHA = number(0, 1, open_low=True, open_high=True)


def _views(text: str) -> tuple[str, ...]:
    from ..views.registry import names

    chosen = tuple(v.strip() for v in text.split(",") if v.strip())
    unknown = [v for v in chosen if v not in names()]
    if unknown or not chosen:
        raise argparse.ArgumentTypeError(f"unknown view(s) {', '.join(unknown) or '(none)'}; "
                                         f"choose from {', '.join(names())}")
    return chosen


def cmd_viz(args: argparse.Namespace) -> int:
    summaries = graph_for(args).build_views(args.out, args.views, args.threshold, args.alpha, args.items)
    for s in summaries:
        print(f"{s.file}: {s.holds}")
    print(f"open {args.out / 'index.html'}")
    return EXIT_OK


def cmd_analyze(args: argparse.Namespace) -> int:
    store = store_for(args)
    if args.what == "centrality":
        from ..analysis.analytics import centrality
        from ..analysis.projection import findings_graph

        g = findings_graph(store)
        scores = centrality(g)
        order = sorted(scores, key=lambda n: (-scores[n]["betweenness"], -scores[n]["degree"], n))
        rows = [[n, g.nodes[n]["label"], scores[n]["degree"], scores[n]["in"], scores[n]["out"],
                 scores[n]["betweenness"], scores[n]["closeness"]] for n in order[: args.top]]
        write_rows(["construct", "label", "degree", "in", "out", "betweenness", "closeness"], rows, args.format)
        return EXIT_OK
    from ..analysis.sequences import rated_pairs, turn_pairs
    from ..analysis.sequential import significance

    pairs = rated_pairs(store, args.threshold) if args.source == "ratings" else turn_pairs(store)
    if not pairs.groups:
        print(f"no {args.source} sequences in the graph" + (" (import a ratings file first)"
                                                           if args.source == "ratings" else ""))
        return EXIT_FAILED
    if args.random_effects:
        rows = [[pairs.labels.get(t.antecedent, t.antecedent), pairs.labels.get(t.consequent, t.consequent), t.groups,
                 t.odds_ratio, t.ci_low, t.ci_high, t.z, t.p_value, t.p_holm, t.tau2, t.i2,
                 "yes" if _holm_below(t, args.alpha) else ""]
                for t in pairs.random_effects(args.alpha) if _holm_below(t, args.alpha) or not args.significant]
        write_rows(["antecedent (t)", "consequent (t+1)", "groups", "odds ratio", "95% CI low", "95% CI high", "z",
                     "p", "p (Holm)", "tau²", "I²", "Holm p < alpha"], rows, args.format)
        return EXIT_OK
    groups = [None] + (sorted(pairs.groups) if args.by_group else [])
    rows = []
    for group in groups:
        for t in pairs.transitions(group, args.alpha):
            mark = significance(t, args.alpha, args.min_count)
            if args.significant and not mark:
                continue
            rows.append([group or "pooled", pairs.labels.get(t.antecedent, t.antecedent),
                         pairs.labels.get(t.consequent, t.consequent), t.n_ab, t.n_a, t.n_b, t.n, t.probability,
                         t.base_rate, t.expected, t.z, t.adjusted_residual, t.p_value, t.p_holm, t.p_exact,
                         t.p_exact_holm, MARKS[mark]])
    write_rows(["group", "antecedent (t)", "consequent (t+1)", "n_AB", "n_A", "n_B", "N", "P(B|A)", "P(B)",
                "expected n_AB", "z", "adj. residual", "p", "p (Holm)", "p (exact)", "p (exact, Holm)", "significant"],
               rows, args.format)
    if args.significant and not rows:
        print(f"no transition is significant by the rule the view colours by: Fisher's exact p, Holm-adjusted over "
              f"every pair tested, below {args.alpha:g}, on at least {args.min_count} pairs", file=sys.stderr)
    return EXIT_OK


MARKS = {1: "more", -1: "less", 0: ""}  # the significant column: more or less often than chance


def _holm_below(t, alpha: float) -> bool:
    return t.p_holm is not None and t.p_holm < alpha


def _print_path(g, number: int, path) -> None:
    from ..analysis.analytics import hops_of


    def label(node: str) -> str:
        return g.nodes[node]["label"]

    links = sum(len(hop.via) for hop in path)
    print(f"path {number}: {hops_of(path)} hop(s)" + (f", {links} subclass link(s)" if links else ""))
    for i, hop in enumerate(path, 1):
        if hop.via:
            kind = "broader" if hop.upward else "narrower"
            walked = " → ".join(label(n) for n in hop.via)
            lead = f"from {label(hop.start)} to its {kind} class {walked}"
            if not hop.steps:
                print(f"  then: {lead}")
                continue
            print(f"  {i}. {label(hop.subject)} → {label(hop.object)}  ({lead})")
        else:
            print(f"  {i}. {label(hop.subject)} → {label(hop.object)}")
        for step in hop.steps:
            what = step.relation + (f" at level {step.level}" if step.level else "")
            if step.subject != hop.subject:
                what += f", read backwards ({label(step.subject)} → {label(step.object)})"
            facts = ", ".join(x for x in (step.direction, step.evidence) if x)
            print(f"     {step.finding or step.kind}: {what}" + (f" ({facts})" if facts else "")
                  + f"; sources: {'; '.join(step.sources) or 'none'}")


def cmd_path(args: argparse.Namespace) -> int:
    from ..analysis.analytics import evidence_paths, resolve, shortest_evidence_path
    from ..analysis.projection import evidence_graph
    from ..errors import PrcKgError

    g = evidence_graph(store_for(args))
    try:
        a, b = resolve(g, args.source), resolve(g, args.target)
        paths = (evidence_paths(g, a, b, args.max_length, not args.undirected) if args.all
                 else [p for p in [shortest_evidence_path(g, a, b, not args.undirected)] if p])
    except PrcKgError as exc:
        print(f"prc-kg: {exc}")
        return EXIT_INPUT
    if not paths:
        print(f"no {'undirected ' if args.undirected else ''}evidence path from {a} to {b}"
              + ("" if args.undirected else " (try --undirected)"))
        return EXIT_FAILED
    for i, path in enumerate(paths, 1):
        _print_path(g, i, path)
    return EXIT_OK


def register(sub) -> None:
    from ..analysis.sequential import MIN_COUNT
    from ..views.registry import DEFAULT_ITEMS, VIEWS, names

    p = with_store(with_examples(with_ontology(sub.add_parser(
        "viz", help="write the interactive HTML views (offline, self-contained) into a folder"))))
    p.add_argument("--out", type=Path, default=Path("build/html"), help="output folder (default build/html)")
    p.add_argument("--views", type=_views, default=names(), metavar=",".join(names()),
                   help="comma-separated, from: " + "; ".join(f"{v.name} ({v.description})" for v in VIEWS)
                        + " (default all)")
    p.add_argument("--threshold", type=number(), default=3.0,
                   help="a rated segment carries a code when its mean rating reaches this (default 3)")
    p.add_argument("--alpha", type=ALPHA, default=0.05, help="significance level of the transitions (default .05)")
    p.add_argument("--items", nargs="+", default=list(DEFAULT_ITEMS), help="item codes for the trajectories")
    p.set_defaults(func=cmd_viz)

    p = with_store(with_examples(with_ontology(sub.add_parser(
        "analyze", help="centrality of constructs in the findings graph, or lag-1 transition statistics"))))
    p.add_argument("what", choices=("centrality", "transitions"))
    p.add_argument("--source", choices=("ratings", "turns"), default="ratings",
                   help="transitions of rated segments (default) or of coded turns")
    p.add_argument("--by-group", action="store_true", help="also per dyad (ratings) or per case (turns)")
    p.add_argument("--significant", action="store_true",
                   help="only the transitions the 'what follows what' view marks: Fisher's exact p, Holm-adjusted "
                        "over every pair tested, below --alpha, on at least --min-count pairs (with "
                        "--random-effects: Holm-adjusted p below --alpha)")
    p.add_argument("--min-count", type=whole(1), default=MIN_COUNT,
                   help=f"fewest pairs a significant transition needs: n_AB for more often than chance, the "
                        f"expected n_AB for less often (default {MIN_COUNT}, as the view)")
    p.add_argument("--random-effects", action="store_true",
                   help="pool each dyad's (or case's) odds ratio with a DerSimonian–Laird random-effects model "
                        "instead of summing the counts")
    p.add_argument("--threshold", type=number(), default=3.0)
    p.add_argument("--alpha", type=ALPHA, default=0.05)
    p.add_argument("--top", type=whole(1), default=20, help="centrality: how many constructs (default 20)")
    p.add_argument("--format", choices=("table", "csv", "json"), default="table")
    p.set_defaults(func=cmd_analyze)

    p = with_store(with_examples(with_ontology(sub.add_parser(
        "path", help="evidence paths between two constructs, or from a construct to a case: each hop with its "
                     "findings and sources, following moderator edges and subclass links"))))
    p.add_argument("source", help="construct: prc:Name, Name or its label")
    p.add_argument("target", help="construct, or case (data:case/annie, annie or its title)")
    p.add_argument("--all", action="store_true", help="all paths up to --max-length hops, not just the shortest")
    p.add_argument("--max-length", type=whole(1), default=4, help="--all: most hops a path may take (default 4)")
    p.add_argument("--undirected", action="store_true", help="also walk findings from object back to subject")
    p.set_defaults(func=cmd_path)
