"""Commands on coded corpora: agreement between annotators, what follows what between speakers, and
code profiles with the MI summary scores."""

from __future__ import annotations

import argparse
import sys

from .common import (
    EXIT_FAILED,
    EXIT_INPUT,
    EXIT_OK,
    graph_for,
    number,
    whole,
    with_examples,
    with_ontology,
    with_store,
    write_rows,
)

ALPHA = number(0, 1, open_low=True, open_high=True)
ABSENCE_HELP = ("count absence codes (no reflection, no question, no input: an annotator found the behaviour "
                "missing) as codes too; by default they are left out, not being behaviours")
NO_CORPUS = "no coded corpus in the graph (import one with `prc-kg import-utterances` and load it)"


def _notes(lines: list[str], fmt: str) -> None:
    """Footnotes under a table; on standard error for CSV and JSON, which programs read."""
    stream = sys.stdout if fmt == "table" else sys.stderr
    for line in lines:
        print(f"note: {line}", file=stream)


def _conversations(graph, args: argparse.Namespace):
    from ..analysis.corpus import read_corpus

    return read_corpus(graph.store, args.corpus)


def _coded(graph, args: argparse.Namespace):
    """The conversations and the ontology's code index, or None (said on stdout) when the graph has no
    coded corpus."""
    from ..analysis.codes import read_code_index

    conversations = _conversations(graph, args)
    if not conversations:
        print(NO_CORPUS)
        return None
    return conversations, read_code_index(graph.store)


def _unknown(exc: Exception) -> int:
    print(f"prc-kg: {exc}", file=sys.stderr)
    return EXIT_INPUT


def _where(args: argparse.Namespace) -> str:
    return f"corpus {args.corpus}" if args.corpus else "the coded corpora"


def cmd_agreement(args: argparse.Namespace) -> int:
    from ..analysis.agreement import agreement
    from ..analysis.codes import read_code_index
    from ..analysis.corpus import UnknownName, absence_codes_used

    graph = graph_for(args)
    try:
        conversations = _conversations(graph, args)
    except UnknownName as exc:
        return _unknown(exc)
    if not conversations:
        print(NO_CORPUS)
        return EXIT_FAILED
    rows = agreement(conversations, args.bootstrap, args.seed)
    if not rows:
        print(f"no utterance in {_where(args)} is coded by two annotators on one dimension: agreement needs "
              "utterances coded more than once")
        return EXIT_FAILED
    write_rows(["dimension", "code", "units", "annotations", "observed", "share", "Fleiss units", "per unit",
                "kappa", "kappa low", "kappa high", "alpha", "alpha low", "alpha high"],
               [[r.dimension, r.code or "(all codes)", r.units, r.annotations, r.observed, r.share, r.fleiss_units,
                 r.fleiss_raters, r.fleiss_kappa, r.fleiss_low, r.fleiss_high, r.alpha, r.alpha_low, r.alpha_high]
                for r in rows], args.format)
    notes = [("units: utterances coded by two annotators or more on the dimension; a code's row is that code "
              "against every other code of its dimension; share: of the annotations on the units, those giving the code"),
             ("kappa: Fleiss' kappa (statsmodels) over the units with the most common number of annotations (Fleiss "
              "units, that number per unit); alpha: Krippendorff's alpha, nominal (krippendorff package), over all "
              "units; observed: mean share of agreeing annotator pairs per unit"),
             (f"low, high: 95% percentile bootstrap interval over units, {args.bootstrap} replicates, seed {args.seed}"
              if args.bootstrap else "no intervals (--bootstrap 0)")]
    used = absence_codes_used(conversations, read_code_index(graph.store))
    if used:
        notes.append(f"absence codes count as codes: {', '.join(used)} (an annotator's judgement that the behaviour "
                     "is missing), so a sub-type dimension's units are the utterances two annotators judged, whether "
                     "or not they found the behaviour")
    _notes(notes, args.format)
    return EXIT_OK


def _transition_rows(result, args) -> tuple[list[str], list[list]]:
    from ..analysis.sequential import significance
    from ..analysis.speaker_transitions import stratum_names

    def holm_below(t) -> bool:
        return t.p_holm is not None and t.p_holm < args.alpha

    names = stratum_names(result) if args.by else ["all"]
    if args.table == "random-effects":
        rows = [[name, t.antecedent, t.consequent, t.groups, t.odds_ratio, t.ci_low, t.ci_high, t.z, t.p_value,
                 t.p_holm, t.tau2, t.i2, "yes" if holm_below(t) else ""]
                for name in names for t in result.random_effects(name, args.alpha)
                if holm_below(t) or not args.significant]
        return ["stratum", "antecedent (t)", "consequent", "conversations", "odds ratio", "95% CI low",
                "95% CI high", "z", "p", "p (Holm)", "tau²", "I²", "Holm p < alpha"], rows
    if args.table == "differences":
        strata = names[1:]
        rows = []
        for d in result.differences():
            if args.significant and not (d.p_holm is not None and d.p_holm < args.alpha):
                continue
            ratio = {name: y for name, y, _, _ in d.estimates}
            rows.append([d.antecedent, d.consequent, *[_exp(ratio.get(name)) for name in strata], d.q, d.df,
                         d.p_value, d.p_holm, d.breslow_day, d.breslow_day_df, d.p_breslow_day,
                         d.p_breslow_day_holm])
        return ["antecedent (t)", "consequent", *[f"odds ratio {name}" for name in strata], "Q between", "df",
                "p (Q)", "p (Q, Holm)", "Breslow–Day", "df (BD)", "p (BD)", "p (BD, Holm)"], rows
    marked = [(name, t, significance(t, args.alpha, args.min_count))
              for name in names for t in result.transitions(name, args.alpha)]
    rows = [[name, t.antecedent, t.consequent, t.n_ab, t.n_a, t.n_b, t.n, t.probability, t.base_rate, t.z,
             t.adjusted_residual, t.p_value, t.p_holm, t.p_exact, t.p_exact_holm, {1: "more", -1: "less"}.get(mark, "")]
            for name, t, mark in marked if mark or not args.significant]
    return ["stratum", "antecedent (t)", "consequent", "n_AB", "n_A", "n_B", "N", "P(B|A)", "P(B)", "z",
            "adj. residual", "p", "p (Holm)", "p (exact)", "p (exact, Holm)", "significant"], rows


def _exp(value: float | None) -> float | None:
    import math

    return None if value is None else math.exp(value)


def cmd_transitions(args: argparse.Namespace) -> int:
    from ..analysis.corpus import TIE_RULE, UnknownName
    from ..analysis.speaker_transitions import speaker_transitions

    if args.table == "differences" and not args.by:
        return _unknown("--table differences compares strata: name a conversation attribute with --by")
    graph = graph_for(args)
    try:
        coded = _coded(graph, args)
        if coded is None:
            return EXIT_FAILED
        conversations, index = coded
        result = speaker_transitions(conversations, args.source, args.target, args.lag, args.dimension, args.by,
                                     index, args.absence_codes)
        columns, rows = _transition_rows(result, args)
    except UnknownName as exc:
        return _unknown(exc)
    pairs = sum(len(p) for p in result.pairs.groups.values())
    if not pairs:
        print(f"no {args.source} → {args.target} pairs at lag {args.lag} in {_where(args)}")
        return EXIT_FAILED
    write_rows(columns, rows, args.format)
    notes = [(f"pairs: each {args.source} utterance with the {_nth(args.lag)} {args.target} utterance after it in the "
             f"same conversation: {pairs} pairs from {len(result.pairs.groups)} conversations; {result.uncoded} left "
             f"out (no code on one side in the dimensions used); {args.source} utterances without a {_nth(args.lag)} "
             f"{args.target} utterance after them: {result.unpaired}"),
             (f"antecedent dimensions: {', '.join(result.antecedent_dimensions)}; consequent dimensions: "
             f"{', '.join(result.consequent_dimensions)}"), TIE_RULE, *_absence_note(conversations, index, args)]
    if args.by:
        notes.append(f"strata by {args.by}; {result.without_attribute} conversations without it count in 'all' only"
                     + ("" if args.table == "differences" else
                        "; --table differences tests whether an association differs between strata"))
    _notes(notes, args.format)
    return EXIT_OK


def _nth(k: int) -> str:
    """"next" for 1, else the ordinal: 2nd, 11th, 21st."""
    if k == 1:
        return "next"
    return f"{k}{'th' if 10 <= k % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(k % 10, 'th')}"


def cmd_profile(args: argparse.Namespace) -> int:
    from ..analysis.corpus import TIE_RULE, UnknownName
    from ..analysis.profiles import THRESHOLD_NOTE, code_profiles

    graph = graph_for(args)
    try:
        coded = _coded(graph, args)
        if coded is None:
            return EXIT_FAILED
        conversations, index = coded
        report = code_profiles(conversations, index, args.by, args.absence_codes)
    except UnknownName as exc:
        return _unknown(exc)
    attribute = {f"{c.corpus}/{c.conversation_id}": c.attributes.get(args.by) for c in conversations} if args.by else {}
    profiles = ([("conversation", p) for p in report.conversations] + [("stratum", p) for p in report.strata]
                + [("all", report.total)])
    extra = [args.by] if args.by else []
    if args.codes:
        write_rows(["level", "name", *extra, "code", "speaker", "utterances", "per 100 utterances of the speaker"],
                   [[kind, p.name, *([attribute.get(p.name)] if args.by else []), c.code, c.speaker, c.count, c.rate]
                    for kind, p in profiles for c in p.codes], args.format)
    else:
        columns, rows = _profile_rows(profiles, attribute, extra, wide=args.format != "table")
        write_rows(columns, rows, args.format)
    notes = [("counts are utterances by their primary codes; summary categories (R, Q, SR, CR, OQ, CQ, CT, ST, "
             "MI-adherent, MI-non-adherent) count a code through its exact matches and broader codes in the ontology, "
             "once per utterance"), TIE_RULE, *_absence_note(conversations, index, args), THRESHOLD_NOTE]
    if not report.linked:
        notes.append("the store holds no code links (load the ontology): summary categories count only codes that "
                     "are the category itself")
    blank = _unmeasured(p for _, p in profiles)
    if blank:
        notes.append(f"left blank: {', '.join(blank)}: no code of the dimensions the corpus annotates counts toward "
                     "them, so the corpus cannot tell them (blank is not zero; a score built on a blank count is blank too)")
    _notes(notes, args.format)
    return EXIT_OK


def _absence_note(conversations, index, args: argparse.Namespace) -> list[str]:
    """What became of the absence codes the corpus uses (none: no note)."""
    from ..analysis.corpus import absence_codes_used

    used = absence_codes_used(conversations, index)
    if not used:
        return []
    if args.absence_codes:
        return [f"absence codes counted as codes (--absence-codes): {', '.join(used)}"]
    return [(f"absence codes left out: {', '.join(used)}: an annotator's judgement that a behaviour is missing, "
             "not a behaviour (they count in agreement; --absence-codes counts them here too)")]


def _unmeasured(profiles) -> list[str]:
    """The summary categories some profile cannot count, by their column names."""
    names = {"MIA": "MI-adherent", "MINA": "MI-non-adherent"}
    found = {key for p in profiles for key in p.unmeasured}
    from ..analysis.profiles import CATEGORIES

    return [names.get(key, key) for key in CATEGORIES if key in found]


def _profile_rows(profiles, attribute: dict, extra: list[str], wide: bool) -> tuple[list[str], list[list]]:
    """The summary scores with the manual's levels; CSV and JSON also carry the counts behind them."""
    from ..analysis.profiles import level

    counts = ["therapist", "patient", "SR", "CR", "OQ", "CQ", "CT", "ST"] if wide else []
    columns = ["level", "name", *extra, "conversations", "utterances", *counts, "R", "Q", "R:Q", "R:Q level", "%CR",
               "%CR level", "%OQ", "%CT", "MI-adherent", "MI-non-adherent"]
    rows = []
    for kind, p in profiles:
        detail = [p.therapist, p.patient, *(p.summary[k] for k in ("SR", "CR", "OQ", "CQ", "CT", "ST"))] if wide else []
        rows.append([kind, p.name, *([attribute.get(p.name) if kind == "conversation" else None] if extra else []),
                     p.conversations, p.utterances, *detail, p.summary["R"], p.summary["Q"], p.r_to_q,
                     level("R:Q", p.r_to_q), p.percent_cr, level("%CR", p.percent_cr), p.percent_oq, p.percent_ct,
                     p.summary["MIA"], p.summary["MINA"]])
    return columns, rows


def register(sub) -> None:
    """Add this group's subcommands to the parser."""
    from ..analysis.sequential import MIN_COUNT

    def common(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
        with_store(with_examples(with_ontology(p)))
        p.add_argument("--corpus", default=None, help="one coded corpus by name (default: all in the graph)")
        p.add_argument("--format", choices=("table", "csv", "json"), default="table")
        return p

    p = common(sub.add_parser("agreement", help="agreement between annotators of a coded corpus, per coding "
                                                "dimension and per code (Fleiss' kappa, Krippendorff's alpha)"))
    p.add_argument("--bootstrap", type=whole(0, 100_000), default=1000,
                   help="bootstrap replicates for the 95%% intervals (default 1000; 0: none)")
    p.add_argument("--seed", type=whole(0), default=1, help="seed of the bootstrap (default 1)")
    p.set_defaults(func=cmd_agreement)

    p = common(sub.add_parser("transitions", help="what follows what between the speakers of a coded corpus, "
                                                  "with random-effects pooling and strata of a conversation attribute"))
    p.add_argument("--from", dest="source", choices=("therapist", "patient"), default="therapist",
                   help="speaker of the antecedent utterance (default therapist)")
    p.add_argument("--to", dest="target", choices=("therapist", "patient"), default="patient",
                   help="speaker of the consequent utterance (default patient)")
    p.add_argument("--lag", type=whole(1, 1000), default=1,
                   help="the k-th utterance of the --to speaker after the antecedent (default 1: the next one)")
    p.add_argument("--by", default=None, metavar="ATTRIBUTE", help="a conversation attribute to stratify by")
    p.add_argument("--dimension", action="append", default=None, metavar="D",
                   help="a coding dimension (item code) to use on its speaker's side; may be repeated "
                        "(default: every dimension of each speaker)")
    p.add_argument("--table", choices=("transitions", "random-effects", "differences"), default="transitions",
                   help="summed counts and tests (default), random-effects pooling over conversations, or the "
                        "tests of a difference between strata (needs --by)")
    p.add_argument("--alpha", type=ALPHA, default=0.05, help="significance level (default .05)")
    p.add_argument("--significant", action="store_true",
                   help="only significant rows: Fisher's exact p Holm-adjusted over the pairs, below alpha, on at "
                        "least --min-count pairs (as `analyze transitions` and the view); Holm p below alpha for "
                        "random-effects and differences")
    p.add_argument("--min-count", type=whole(1), default=MIN_COUNT,
                   help="fewest pairs a significant transition needs (n_AB, or the expected n_AB for less often; "
                        f"default {MIN_COUNT})")
    p.add_argument("--absence-codes", action="store_true", help=ABSENCE_HELP)
    p.set_defaults(func=cmd_transitions)

    p = common(sub.add_parser("profile", help="code counts, rates and MI summary scores per conversation "
                                              "and per stratum of a conversation attribute"))
    p.add_argument("--by", default=None, metavar="ATTRIBUTE", help="a conversation attribute to group by")
    p.add_argument("--codes", action="store_true", help="count and rate of each code instead of the summary scores")
    p.add_argument("--absence-codes", action="store_true", help=ABSENCE_HELP)
    p.set_defaults(func=cmd_profile)
