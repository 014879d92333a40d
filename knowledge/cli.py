"""Command line: ``python -m knowledge validate|lint|build|import|search|eval|fit-fusion``."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

logger = logging.getLogger(__name__)


def out(text: str = "") -> None:
    """The CLI's only way to print."""
    sys.stdout.write(text + "\n")


def _cmd_validate(args: argparse.Namespace) -> int:
    from knowledge.loader import check_corpus, load_guides_lenient, load_life_events_lenient, read_catalogue

    guides_dir = Path(args.guides) if args.guides else _settings().guides_dir
    events_dir = _events_dir(args)
    guides, errors = load_guides_lenient(guides_dir)
    errors += check_corpus(guides, read_catalogue() if not args.guides else None)
    events, event_errors = load_life_events_lenient(events_dir, guides) if events_dir else ([], [])
    for err in errors + event_errors:
        out(str(err))
    out(f"{len(guides)} valid guide(s), {len(errors)} error(s) in {guides_dir}")
    if events_dir:
        out(f"{len(events)} valid life event(s), {len(event_errors)} error(s) in {events_dir}")
    return 1 if errors or event_errors else 0


def _events_dir(args: argparse.Namespace) -> Path | None:
    """The life events checked with the guides: the shipped ones only with the shipped guides they are built on."""
    if args.events:
        return Path(args.events)
    return None if args.guides else _settings().life_events_dir


def _cmd_lint(args: argparse.Namespace) -> int:
    import json

    from knowledge.lint import count, lint_folder

    guides_dir = Path(args.guides) if args.guides else _settings().guides_dir
    events_dir = _events_dir(args)
    n_guides, findings = lint_folder(guides_dir, events_dir=events_dir)
    totals = count(findings)
    if args.json:
        out(json.dumps({"guides": n_guides, **totals, "findings": [f.to_dict() for f in findings]},
                       ensure_ascii=False))
    else:
        for finding in findings:
            out(str(finding))
        out(f"{n_guides} guide(s) in {guides_dir}: {totals['error']} error(s), {totals['warning']} warning(s)")
    return 1 if totals["error"] else 0


def _cmd_build(args: argparse.Namespace) -> int:
    from knowledge.building import rebuild

    report = rebuild(
        Path(args.index) if args.index else None,
        Path(args.guides) if args.guides else None,
        force=args.force,
    )
    if report.up_to_date:
        out(f"up to date: {report.index_dir} ({report.n_entries} entries, {report.n_chunks} chunks)")
    else:
        out(
            f"built {report.index_dir}: {report.n_entries} entries, {report.n_chunks} chunks, "
            f"{report.embedded} embedded, {report.store} store, {report.seconds:.1f}s"
        )
    return 0


def _cmd_search(args: argparse.Namespace) -> int:
    import json

    from knowledge.base import KnowledgeBase

    kb = KnowledgeBase.open(Path(args.index) if args.index else None)
    result = kb.search(args.query, k=args.k, guide_id=args.guide)
    if args.json:
        hits = [
            {"guide_id": h.guide_id, "title": h.title, "section": h.section, "score": h.score,
             "confidence": result.confidence}
            for h in result.hits
        ]
        out(json.dumps(hits, ensure_ascii=False))
        return 0
    out(f"aspect={result.aspect} confidence={result.confidence:.3f} decision={result.decision}")
    for i, h in enumerate(result.hits, 1):
        out(f"{i}. {h.title} [{h.guide_id}] {h.section_title} score={h.score:.3f}")
        out("   " + h.text.replace("\n", " / ")[:160])
    return 0


def _cmd_import(args: argparse.Namespace) -> int:
    from knowledge.building import rebuild
    from knowledge.importers import import_path

    report = import_path(Path(args.path))
    for rej in report.rejected:
        out(f"rejected {rej}")
    out(f"{report.kind}: {len(report.entries)} imported, {len(report.rejected)} rejected from {report.source}")
    if not report.entries:
        return 1
    build = rebuild(Path(args.index) if args.index else None, extra=report.entries)
    if build.up_to_date:
        out(f"up to date: {build.index_dir} ({build.n_entries} entries, {build.n_chunks} chunks)")
    else:
        out(f"built {build.index_dir}: {build.n_entries} entries, {build.n_chunks} chunks, {build.embedded} embedded, "
            f"{build.store} store, {build.seconds:.1f}s")
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    import time

    from knowledge import evaluation as ev
    from knowledge.base import KnowledgeBase

    kb = KnowledgeBase.open(Path(args.index) if args.index else None)
    questions = ev.load_devset(Path(args.devset) if args.devset else ev.DEVSET_DIR)
    started = time.perf_counter()
    kb.warm_up()
    scored = ev.collect(kb, questions)
    seconds = time.perf_counter() - started
    cal = kb.calibration
    if args.fit:
        cal = ev.fit_weights(kb, scored, cal)
        cal = ev.fit_confidence(kb, scored, cal)
        from dataclasses import replace

        cal = replace(cal, embedder=kb.embedder)
        if not args.no_save:
            cal.save()
        kb.calibration = cal
        saved = "" if args.no_save else " and saved"
        out(f"fitted{saved} calibration: weights={cal.weights} answer_at={cal.answer_at} clarify_at={cal.clarify_at}")
    n_oos = sum(q.guide is None for q in questions)
    out(f"dev set: {len(questions) - n_oos} in-scope + {n_oos} out-of-scope questions; embedder {kb.embedder}; "
        f"{seconds:.1f}s for all retrievers")
    rows = [ev.evaluate(kb, scored, m, cal) for m in ev.METHODS]
    if args.cv:
        rows.insert(1, ev.cross_validate(kb, scored, cal))
    out(ev.table(rows))
    return 0


def _cmd_fit_fusion(args: argparse.Namespace) -> int:
    from knowledge import corpus_weights as cw
    from knowledge.base import KnowledgeBase
    from knowledge.calibration import load_calibration, save_index_weights
    from knowledge.evaluation import collect

    kb = KnowledgeBase.open(Path(args.index) if args.index else None)
    questions = cw.load_questions(Path(args.questions))
    kb.warm_up()
    cw.check_targets(kb, questions)
    index = kb.searcher.index
    fit = cw.fit_corpus(kb, collect(kb, questions), load_calibration(), folds=args.folds)
    n_asked = len({q.guide for q in questions})
    out(f"{len(questions)} questions about {n_asked} of the {len(index.entries)} entries of {kb.index_dir} "
        f"({len(index.chunks)} chunks); embedder {index.meta.embedder}")
    out(cw.table(fit))
    chosen = "e5 alone" if fit.e5_alone_kept else "the fitted weights"
    if args.no_save:
        out(f"would store {chosen}: {fit.weights}")
        return 0
    path = save_index_weights(index.path, fit.weights, embedder=index.meta.embedder, fitted_on=args.questions)
    out(f"stored {chosen} in {path}: {fit.weights}")
    return 0


def _settings():  # type: ignore[no-untyped-def]
    from govchat.settings import get_settings

    return get_settings()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m knowledge", description="govchat knowledge base")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("validate", help="validate guide and life event YAML files: file and field of each error")
    p.add_argument("--guides", help="folder of guide YAML files (default: settings.guides_dir)")
    p.add_argument("--events", help="folder of life event YAML files (default: settings.life_events_dir)")
    p.set_defaults(func=_cmd_validate)
    p = sub.add_parser("lint", help="cross-guide checks: offices, phones, online claims, fees, aliases, national facts")
    p.add_argument("--guides", help="folder of guide YAML files (default: settings.guides_dir)")
    p.add_argument("--events", help="folder of life event YAML files (default: settings.life_events_dir)")
    p.add_argument("--json", action="store_true", help="print the findings as JSON")
    p.set_defaults(func=_cmd_lint)
    p = sub.add_parser("build", help="build the index if missing or stale (prints 'up to date' otherwise)")
    p.add_argument("--index", help="index directory (default: settings.index_dir)")
    p.add_argument("--guides", help="folder of guide YAML files (default: settings.guides_dir)")
    p.add_argument("--force", action="store_true", help="rebuild even if up to date")
    p.set_defaults(func=_cmd_build)
    p = sub.add_parser("search", help="search the knowledge base")
    p.add_argument("query")
    p.add_argument("--index")
    p.add_argument("--k", type=int, default=5)
    p.add_argument("--guide", help="restrict to one guide id")
    p.add_argument("--json", action="store_true", help="print a JSON list of hits")
    p.set_defaults(func=_cmd_search)
    p = sub.add_parser("import", help="import guides (folder/.yaml), documents (.jsonl/.csv) or item records")
    p.add_argument("path")
    p.add_argument("--index", help="index to import into (default: settings.index_dir)")
    p.set_defaults(func=_cmd_import)
    p = sub.add_parser("eval", help="evaluate hybrid and single retrievers on the development set")
    p.add_argument("--index")
    p.add_argument("--devset", help="folder of dev-set YAML files (default: knowledge/devset)")
    p.add_argument("--fit", action="store_true", help="fit fusion weights, confidence and thresholds, save them")
    p.add_argument("--cv", action="store_true", help="add a 3-fold cross-validated row for the hybrid")
    p.add_argument("--no-save", action="store_true", help="with --fit: report, but keep calibration.json")
    p.set_defaults(func=_cmd_eval)
    p = sub.add_parser("fit-fusion", help="fit an index's own fusion weights on questions about it (grouped k-fold "
                       "CV against e5 alone) and store them with the index")
    p.add_argument("--index", help="index of the corpus (default: settings.index_dir)")
    p.add_argument("--questions", required=True,
                   help="YAML file of {item, title, questions} records, or a dev-set folder")
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--no-save", action="store_true", help="report, but store nothing")
    p.set_defaults(func=_cmd_fit_fusion)
    return parser


def main(argv: list[str] | None = None) -> int:
    from knowledge.index import IndexError_
    from knowledge.loader import GuideLoadError

    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, stream=sys.stderr)
    for noisy in ("bm25s", "sentence_transformers", "jieba"):
        logging.getLogger(noisy).setLevel(logging.WARNING if args.verbose else logging.ERROR)
    try:
        return int(args.func(args))
    except (GuideLoadError, IndexError_, FileNotFoundError, ValueError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
