"""Names a study file refers to, and the checks on them.

``validate`` cannot see the data, so :func:`spec_problems` checks what is knowable from the file alone: that
derived variables only read variables defined above them, that reference levels, scales, multivariable lists,
trend variables, model feature sets, comparison pairs and the nomogram's model name things the file defines
(each with a did-you-mean), and — for the bundled synthetic cohorts, whose columns are known — every column
name. :func:`data_problems` repeats the column checks against the tables' headers (``cohortstats validate``)
and :func:`check_names` against the data at run time, with the same message.
"""

from __future__ import annotations

import difflib

from .expressions import parse_expression, unknown_name_message

__all__ = ["spec_problems", "name_references", "check_names", "data_problems", "split_feature"]



def split_feature(item: str) -> tuple[str | None, list[str]]:
    """``"signature:a"`` -> ("signature", ["a"]); ``"selected:a+b"`` -> ("selected", ["a", "b"]); a column or
    feature-set name -> (None, [name]) (:func:`cohortstats.models.feature_block`)."""
    from ..models import feature_block

    return feature_block(item)


def _near(name, known) -> str:
    m = difflib.get_close_matches(str(name), [str(k) for k in known], n=1, cutoff=0.6)
    return f"; did you mean {m[0]!r}?" if m else ""


def _derived_order_problems(spec) -> list[str]:
    out, names = [], list(spec.variables)
    for i, (name, rule) in enumerate(spec.variables.items()):
        reads = [rule.cut] if not isinstance(rule, str) else list(parse_expression(rule).names)
        for r in reads:
            if r == name:
                out.append(f"variables.{name}: reads {name!r}, its own name; a derived variable never replaces a "
                           "column: give it a new name")
            elif r in names[i + 1:]:
                out.append(f"variables.{name}: reads {r!r}, which is defined below it; derived variables are "
                           f"computed in order: move {r!r} above {name!r}")
    return out


def name_references(spec, *, study_level: bool = True) -> list[tuple[str, str, str | None]]:
    """Every column name ``spec`` reads: (key path, name, the expression it appears in or None)."""
    refs: list = []

    def add(where, names):
        refs.extend((where, n, None) for n in names or [])

    derived = set(spec.variables)
    if study_level:
        for name, rule in spec.variables.items():
            if isinstance(rule, str):
                e = parse_expression(rule)
                refs.extend((f"variables.{name}", n, e.text) for n in e.names if n not in derived)
            elif rule.cut not in derived:
                add(f"variables.{name}.cut", [rule.cut])
        for a in spec.agreement:
            add(f"agreement[{a.name}].ratings", a.ratings)
    add("outcome.column", [spec.outcome.column])
    for rule in spec.exclusions:
        add(f"exclusions[{rule.name}].column", [rule.column])
    if spec.table1 is not None:
        t = spec.table1
        for key in ("variables", "categorical", "nonnormal", "trend"):
            add(f"table1.{key}", getattr(t, key))
    if spec.regression is not None:
        add("regression.candidates", spec.regression.candidates)
    if spec.score_roc is not None:
        add("score_roc.scores", spec.score_roc.scores)
    if spec.survival is not None:
        sv = spec.survival
        add("survival", [sv.duration, sv.event, *sv.predictors, *([sv.group] if sv.group else [])])
    for name, fs in spec.feature_sets.items():
        add(f"feature_sets.{name}.columns", fs.columns)
    for m in spec.models:
        add(f"models[{m.name}].features", [f for f in m.features if split_feature(f)[0] is None
                                            and f not in spec.feature_sets])
    return refs


def _analysis_specs(spec):
    yield "", spec
    for a in spec.analyses:
        yield f"analyses[{a.name}].", spec.effective(a)


def _internal_problems(spec, prefix: str) -> list[str]:
    """References between parts of the file (no data needed)."""
    out = []
    r = spec.regression
    if r is not None:
        cands = list(r.candidates)
        for key, names in (("reference", list(r.reference)), ("scale", list(r.scale)),
                           ("categorical", r.categorical), ("multivariable", r.multivariable or [])):
            for n in names:
                if n not in cands:
                    out.append(f"{prefix}regression.{key}: {n!r} is not among regression.candidates{_near(n, cands)}")
        for var, level in r.reference.items():
            rule = spec.variables.get(var)
            if rule is not None and not isinstance(rule, str) and rule.labels is not None:
                labels = [str(x) for x in rule.labels]
                if str(level) not in labels:
                    out.append(f"{prefix}regression.reference.{var}: {level!r} is not a level of {var!r} "
                               f"({', '.join(labels)}){_near(level, labels)}")
    sets = list(spec.feature_sets)
    for m in spec.models:
        for f in m.features:
            kind, names = split_feature(f)
            if kind is None:
                continue
            if not all(names):
                out.append(f"{prefix}models[{m.name}].features: {f!r} names an empty feature set; write "
                           f"'{kind}:<set>' or '{kind}:<set>+<set>'")
            for n in names:
                if n and n not in sets:
                    out.append(f"{prefix}models[{m.name}].features: {f!r} names feature set {n!r}, which is not in "
                               f"feature_sets ({', '.join(sets) or 'none defined'}){_near(n, sets)}")
    models = [m.name for m in spec.models]
    cmp = spec.comparisons
    if cmp.pairs != "all":
        for pair in cmp.pairs:
            if len(pair) != 2:
                out.append(f"{prefix}comparisons.pairs: each pair names two models; got {pair}")
            for n in pair:
                if n not in models:
                    out.append(f"{prefix}comparisons.pairs: {n!r} is not a model{_near(n, models)}")
    if spec.nomogram is not None:
        n = spec.nomogram.model
        m = next((m for m in spec.models if m.name == n), None)
        if m is None:
            out.append(f"{prefix}nomogram.model: {n!r} is not a model ({', '.join(models) or 'none'}){_near(n, models)}")
        elif any(split_feature(f)[0] == "selected" for f in m.features):
            out.append(f"{prefix}nomogram.model: {n!r} feeds selected features to its estimator; a nomogram needs "
                       "clinical columns and rad-scores ('signature:<set>')")
    if spec.reproducibility is not None:
        for n in spec.reproducibility.feature_sets:
            if n not in sets:
                out.append(f"{prefix}reproducibility.feature_sets: {n!r} is not a feature set{_near(n, sets)}")
    out += _outcome_problems(spec, prefix)
    return out


def _outcome_problems(spec, prefix) -> list[str]:
    rule = spec.variables.get(spec.outcome.column)
    pos = spec.outcome.positive
    if rule is None or pos is None:
        return []
    if isinstance(rule, str) and parse_expression(rule).logical and not isinstance(pos, bool):
        return [f"{prefix}outcome.positive: {spec.outcome.column!r} is a condition (true/false); use positive: true"]
    if not isinstance(rule, str) and rule.labels is not None and str(pos) not in map(str, rule.labels):
        return [f"{prefix}outcome.positive: {pos!r} is not a level of {spec.outcome.column!r} "
                f"({', '.join(map(str, rule.labels))})"]
    return []


def spec_problems(spec, known_columns=None) -> list[str]:
    """What is wrong with the names of a study file, as far as the file alone (and, for a synthetic cohort, its
    known columns) can tell."""
    out = _derived_order_problems(spec)
    names = [a.name for a in spec.analyses]
    for n in sorted({n for n in names if names.count(n) > 1 or n == "Main analysis"}):
        out.append(f"analyses: the name {n!r} is used twice (the main analysis is 'Main analysis'); names must differ")
    main = []
    for prefix, eff in _analysis_specs(spec):
        for p in _internal_problems(eff, prefix):
            if not prefix:
                main.append(p)
            elif p[len(prefix):] not in main:  # an inherited block's problem is reported once
                out.append(p)
    out = main + out
    if known_columns is None and spec.data.synthetic:
        from .synthetic import synthetic_columns

        known_columns = synthetic_columns(spec.data.synthetic)
    if known_columns is not None:
        out += _column_problems(spec, set(known_columns))
    return list(dict.fromkeys(out))


def _column_problems(spec, columns: set) -> list[str]:
    known = columns | set(spec.variables)
    out = []
    for prefix, eff in _analysis_specs(spec):
        refs = name_references(eff, study_level=not prefix)
        if prefix:
            a = next(a for a in spec.analyses if f"analyses[{a.name}]." == prefix)
            if a.population:
                e = parse_expression(a.population)
                refs += [("population", n, e.text) for n in e.names]
        for where, name, text in refs:
            if name not in known:
                msg = unknown_name_message(name, where, sorted(known), text)
                if msg not in out:  # an inherited block's problem is reported once, for the main analysis
                    out.append(prefix + msg)
    return out


def check_names(spec, columns, *, analysis: str = "", study_level: bool = True) -> None:
    """At run time: raise one error listing every name ``spec`` reads that is not among ``columns``."""
    from ..exceptions import DataValidationError

    prefix = f"analyses[{analysis}]." if analysis else ""
    known = set(columns)
    problems = [unknown_name_message(n, prefix + w, sorted(known), t)
                for w, n, t in name_references(spec, study_level=study_level) if n not in known]
    if problems:
        raise DataValidationError("the study names variables that are not in the data:\n  - "
                                  + "\n  - ".join(dict.fromkeys(problems)))


def data_problems(spec, base) -> tuple[list[str], list[str]]:
    """``cohortstats validate``: the column checks against the data tables' headers (files are read, not
    analysed). Returns (problems, notes); a table file that does not exist yet is a note, and the names are then
    not checked against the data."""
    from pathlib import Path

    if spec.data.synthetic:
        return [], []  # checked from the known columns already
    columns, absent, no_id = set(), [], []
    id_col = spec.data.id
    for t in spec.data.tables:
        path = (Path(base) / t.path).resolve()
        if not path.exists():
            absent.append(f"data.tables[{t.name}]: no file at {str(path)!r} yet; column names were not checked")
            continue
        seen = table_header(path, t)
        if id_col is not None and id_col not in seen:
            no_id.append(missing_id_message(id_col, t.name, seen, len(spec.data.tables)))
        columns |= {c if c == id_col else f"{t.prefix or ''}{c}" for c in seen}
    if absent:
        return no_id, absent
    if id_col is None:
        columns.add("row_id")
    return no_id + _column_problems(spec, columns), []


def table_header(path, table) -> list:
    """The column names of a table file (its header only; nothing else is parsed)."""
    from ..data import read_table

    seen: list = []
    read_table(path, sheet=table.sheet, decimal=table.decimal, columns=lambda c: seen.append(c) or len(seen) == 1)
    return seen


def missing_id_message(id_col: str, table: str, columns, n_tables: int) -> str:
    """``data.id`` names a column a table lacks: say which, what the table has, and how to fix it."""
    cols = [str(c) for c in columns]
    near = difflib.get_close_matches(str(id_col), cols, n=1, cutoff=0.6) or [
        c for c in cols if c.lower().startswith("id") or c.lower().endswith("id")][:1]
    fix = f"name the id column in the study file: data: {{id: {near[0] if near else '<column>'}}}"
    if n_tables == 1:
        fix += ", or data: {id: null} (a single table needs no id: its rows are numbered)"
    shown = ", ".join(cols[:10]) + (", ..." if len(cols) > 10 else "")
    default = " (the default when data.id is not given)" if id_col == "patient_id" else ""
    return f"data.id: the id column {id_col!r}{default} is not in table {table!r} (its columns: {shown}); {fix}."
