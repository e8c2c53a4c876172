"""The ``cohortstats`` command. It only calls library functions and prints their outcome."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from .provenance import __version__
from .exceptions import CohortStatsError


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="cohortstats", description="Clinical cohort statistics for imaging studies.")
    p.add_argument("--version", action="version", version=f"cohortstats {__version__}")
    p.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    p.add_argument("--quiet", action="store_true", help="no progress messages")
    sub = p.add_subparsers(dest="command")
    run = sub.add_parser("run", help="run a study file and write its report")
    run.add_argument("study", help="the study YAML file")
    run.add_argument("--out", default=None, help="output folder (default: reports/<study folder name>)")
    run.add_argument("--overwrite", action="store_true", help="replace an existing report folder whole")
    run.add_argument("--reproducible", action="store_true",
                     help="leave the stage timings out of the manifest, so that a rerun is identical byte for byte")
    val = sub.add_parser("validate", help="check a study file without running it")
    val.add_argument("study")
    ex = sub.add_parser("example", help="run a bundled example study (no files needed)")
    ex.add_argument("name", nargs="?", default="fusion", help="example name (default: fusion)")
    ex.add_argument("--out", default=None, help="output folder (default: reports/<name>)")
    ex.add_argument("--overwrite", action="store_true", help="replace an existing report folder whole")
    ex.add_argument("--reproducible", action="store_true",
                    help="leave the stage timings out of the manifest, so that a rerun is identical byte for byte")
    chk = sub.add_parser("check-report", help="say whether a folder is a complete report whose files match its "
                                              "manifest's SHA-256 hashes")
    chk.add_argument("folder", help="the report folder")
    sub.add_parser("examples", help="list the bundled examples")
    xt = sub.add_parser("extract", help="radiomics (and habitat) feature tables from CT images and masks "
                                        "(needs the imaging extra)")
    xt.add_argument("manifest", help="CSV with patient_id, image, mask (paths relative to the manifest), or a "
                                     "folder of <id>_ct.nii.gz / <id>_mask.nii.gz pairs")
    xt.add_argument("--out", required=True, help="folder for the feature tables")
    xt.add_argument("--habitats", type=int, default=0, help="number of habitat sub-regions (0: whole ROI only)")
    xt.add_argument("--habitat-order", default="intensity", choices=["intensity", "distance"],
                    help="number sub-regions by mean intensity (default) or by mean distance from the ROI boundary, "
                         "innermost first (the last is the outermost: the interface)")
    xt.add_argument("--params", default=None, help="pyradiomics parameter file (default: bin width 25, original "
                                                   "image, 7 feature classes, no resampling)")
    xt.add_argument("--label", type=int, default=None, help="mask label (needed when masks have several)")
    xt.add_argument("--image-suffix", default="_ct", help="folder mode: image file suffix (default _ct)")
    xt.add_argument("--mask-suffix", default="_mask", help="folder mode: mask file suffix (default _mask)")
    xt.add_argument("--deep-weights", default=None, help="ResNet50 state dict: also write deep_features.csv "
                                                         "(5 slices around the largest ROI section; needs torch)")
    xt.add_argument("--deep-aggregate", default="mean", choices=["mean", "max", "concat"],
                    help="how the 5 slices' 2,048 features are combined (default mean)")
    xt.add_argument("--workers", type=int, default=None, help="run the cases on a local Dask cluster of N worker "
                                                              "processes (needs cohortstats[dask]; default: serial)")
    xt.add_argument("--scheduler", default=None,
                    help="address of a running Dask scheduler, e.g. tcp://host:8786 (default: "
                         "$DASK_SCHEDULER_ADDRESS); images and --out must be on a file system the workers share")
    xt.add_argument("--worker-memory", default="auto", help="memory limit per local worker, e.g. 4GiB (default: "
                                                            "the machine's memory / workers)")
    xt.add_argument("--retries", type=int, default=2, help="tries after a worker died running a case, before the "
                                                           "case is listed in extraction_errors.csv (default 2)")
    return p


def _study_file(path: str) -> str:
    """The study argument must be a file: a folder (or nothing) gets one clear sentence."""
    p = Path(path)
    if p.is_dir():
        inside = sorted(x.name for x in p.glob("*.y*ml"))
        hint = f" (it holds {', '.join(inside[:3])})" if inside else " (it holds no .yaml file)"
        raise FileNotFoundError(f"{path!r} is a folder, not a study file{hint}; give the study file itself, e.g. "
                                f"cohortstats run {p / (inside[0] if inside else 'study.yaml')}.")
    if not p.exists():
        raise FileNotFoundError(f"study file {path!r} does not exist.")
    return path


def _out_folder(out: Path, overwrite: bool) -> Path:
    """``--out`` must name a folder: new, empty, or a report folder to replace with --overwrite."""
    from .report.writer import check_output_folder

    if out.exists() and not out.is_dir():
        raise FileExistsError(f"--out {str(out)!r} is a file, not a folder; give a folder for the report "
                              f"(e.g. --out {out.with_suffix('')}_report).")
    return check_output_folder(out, overwrite=overwrite)


def _one_line(err: BaseException) -> str:
    """The error as the command line shows it: our own messages as written; anything else with its kind, on one
    line, and a pointer to --debug (a traceback is a bug, not a message)."""
    if isinstance(err, (CohortStatsError, TypeError, ImportError)):  # the library's checks: a sentence each
        return str(err)
    if isinstance(err, OSError):
        if err.strerror:  # raised by the system: "Permission denied: 'path'"
            return f"{err.strerror}" + (f": {str(err.filename)!r}" if err.filename else "") + "."
        return str(err)  # ours (a missing file, an occupied folder), written as a sentence
    text = " ".join(str(err).split()) or "no message"
    if isinstance(err, ValueError):
        return f"{text} (rerun with --debug for the traceback)"
    return (f"unexpected {type(err).__name__}: {text}. This is a bug in cohortstats or an input it does not "
            "recognise; rerun with --debug for the traceback and report it.")


def main(argv=None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    progress = None if args.quiet else (lambda stage: print(f"[cohortstats] {stage}", file=sys.stderr))
    try:
        return _dispatch(args, progress)
    except KeyboardInterrupt:
        if args.debug:
            raise
        print("cohortstats: interrupted.", file=sys.stderr)
        return 130
    except Exception as err:  # noqa: BLE001 - no traceback reaches the command line; --debug shows it
        if args.debug:
            raise
        print(f"cohortstats: error: {_one_line(err)}", file=sys.stderr)
        for note in getattr(err, "__notes__", ()):
            print(f"cohortstats: {note}", file=sys.stderr)
        return 2


def _dispatch(args, progress) -> int:
    """Run one command; errors go back to :func:`main`."""
    if args.command == "examples":
        from .examples import EXAMPLES

        for name, text in EXAMPLES.items():
            print(f"{name}: {text}")
        return 0
    if args.command == "example":
        from .examples import run_example

        if args.out:
            _out_folder(Path(args.out), args.overwrite)
        out = run_example(args.name, args.out, overwrite=args.overwrite, progress=progress,
                          reproducible=args.reproducible)
        print(f"Report written to {out['report']}")
        return 0
    if args.command == "extract":
        from .imaging.batch import extract_folder_tables

        paths = extract_folder_tables(args.manifest, args.out, habitats=args.habitats, params=args.params,
                                      habitat_order=args.habitat_order, label=args.label,
                                      image_suffix=args.image_suffix, mask_suffix=args.mask_suffix,
                                      deep_weights=args.deep_weights, deep_aggregate=args.deep_aggregate,
                                      progress=progress is not None, workers=args.workers,
                                      scheduler=args.scheduler or (None if args.workers is not None else
                                                                   os.environ.get("DASK_SCHEDULER_ADDRESS")),
                                      retries=args.retries, memory_limit=args.worker_memory)
        errors = __import__("pandas").read_csv(paths["extraction_errors"])
        for name, path in paths.items():
            print(f"{name}: {path}")
        if len(errors):
            print(f"{len(errors)} case(s) failed; see {paths['extraction_errors']}", file=sys.stderr)
        return 0
    if args.command == "check-report":
        from .report.manifest import check_report

        check = check_report(args.folder)
        print(check.message(), file=sys.stdout if check.ok else sys.stderr)
        return 0 if check.ok else 1
    if args.command == "validate":
        from .study.spec import load_spec

        from .study.references import data_problems
        from .study.spec import SpecError

        spec, base = load_spec(_study_file(args.study))
        problems, notes = data_problems(spec, base)
        for note in notes:
            print(f"note: {note}", file=sys.stderr)
        if problems:
            raise SpecError(f"{Path(args.study).name}: the study file is not valid ({len(problems)} problem(s)):\n"
                            + "\n".join(f"  - {p}" for p in problems))
        parts = [f"{len(spec.models)} model(s)", "regression" if spec.regression else "no regression",
                 "Table 1" if spec.table1 else "no Table 1"]
        print(f"{args.study}: valid ({', '.join(parts)}).")
        return 0
    if args.command == "run":
        from .study import Study

        study = Study.from_yaml(_study_file(args.study))
        out = Path(args.out) if args.out else Path("reports") / Path(args.study).resolve().parent.name
        _out_folder(out, args.overwrite)
        result = study.run(progress=progress)
        written = result.write(out, overwrite=args.overwrite, reproducible=args.reproducible)
        for s in result.skipped:
            print(f"Skipped: {s}", file=sys.stderr)
        print(f"Report written to {written['report']}")
        return 0
    raise AssertionError(f"unknown command {args.command!r}")  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
