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
    run.add_argument("--overwrite", action="store_true", help="write into an existing, non-empty folder")
    val = sub.add_parser("validate", help="check a study file without running it")
    val.add_argument("study")
    ex = sub.add_parser("example", help="run a bundled example study (no files needed)")
    ex.add_argument("name", nargs="?", default="fusion", help="example name (default: fusion)")
    ex.add_argument("--out", default=None, help="output folder (default: reports/<name>)")
    ex.add_argument("--overwrite", action="store_true", help="write into an existing, non-empty folder")
    sub.add_parser("examples", help="list the bundled examples")
    xt = sub.add_parser("extract", help="radiomics (and habitat) feature tables from CT images and masks "
                                        "(needs the imaging extra)")
    xt.add_argument("manifest", help="CSV with patient_id, image, mask (paths relative to the manifest), or a "
                                     "folder of <id>_ct.nii.gz / <id>_mask.nii.gz pairs")
    xt.add_argument("--out", required=True, help="folder for the feature tables")
    xt.add_argument("--habitats", type=int, default=0, help="number of habitat sub-regions (0: whole ROI only)")
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


def main(argv=None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    progress = None if args.quiet else (lambda stage: print(f"[cohortstats] {stage}", file=sys.stderr))
    try:
        if args.command == "examples":
            from .examples import EXAMPLES

            for name, text in EXAMPLES.items():
                print(f"{name}: {text}")
            return 0
        if args.command == "example":
            from .examples import run_example

            out = run_example(args.name, args.out, overwrite=args.overwrite, progress=progress)
            print(f"Report written to {out['report']}")
            return 0
        if args.command == "extract":
            from .imaging.batch import extract_folder_tables

            paths = extract_folder_tables(args.manifest, args.out, habitats=args.habitats, params=args.params,
                                          label=args.label, image_suffix=args.image_suffix,
                                          mask_suffix=args.mask_suffix, deep_weights=args.deep_weights,
                                          deep_aggregate=args.deep_aggregate, progress=progress is not None,
                                          workers=args.workers,
                                          scheduler=args.scheduler or (None if args.workers is not None else
                                                                       os.environ.get("DASK_SCHEDULER_ADDRESS")),
                                          retries=args.retries, memory_limit=args.worker_memory)
            errors = __import__("pandas").read_csv(paths["extraction_errors"])
            for name, path in paths.items():
                print(f"{name}: {path}")
            if len(errors):
                print(f"{len(errors)} case(s) failed; see {paths['extraction_errors']}", file=sys.stderr)
            return 0
        if args.command == "validate":
            from .study.spec import load_spec

            spec, _ = load_spec(args.study)
            parts = [f"{len(spec.models)} model(s)", "regression" if spec.regression else "no regression",
                     "Table 1" if spec.table1 else "no Table 1"]
            print(f"{args.study}: valid ({', '.join(parts)}).")
            return 0
        if args.command == "run":
            from .study import Study

            study = Study.from_yaml(args.study)
            out = Path(args.out) if args.out else Path("reports") / Path(args.study).resolve().parent.name
            if out.exists() and any(out.iterdir()) and not args.overwrite:
                raise FileExistsError(f"output folder {str(out)!r} exists and is not empty; choose another or pass "
                                      "--overwrite.")
            result = study.run(progress=progress)
            written = result.write(out, overwrite=True)
            for s in result.skipped:
                print(f"Skipped: {s}", file=sys.stderr)
            print(f"Report written to {written['report']}")
            return 0
    except (CohortStatsError, ValueError, FileNotFoundError, FileExistsError, TypeError, KeyError, ImportError) as err:
        if args.debug:
            raise
        print(f"cohortstats: error: {err}", file=sys.stderr)
        return 2
    return 0  # pragma: no cover


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
