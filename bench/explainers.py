"""Section h: XGBoost, LightGBM and CatBoost explained as publishing explains them, against
shap's fastest exact explainer for the same model, rows and units.

For each library, four models on the AI4I rows (one worker each, ours and shap's taking turns
in every repeat):

- ``numeric, probability``: a binary classifier of the 6 source features, numeric splits only
  (a one-hot pipeline). At most ``MAX_EXACT_PROBABILITY_FEATURES`` source features, so ours is
  the exact explainer in probability. Baseline: shap's ``Exact`` explainer with an
  ``Independent`` masker over the same 50 background rows, on the probability of the same
  pipeline (source columns, the machine type as integer codes decoded for the pipeline): the
  only exact explainer of the probability shap has (its ``TreeExplainer`` probability output
  rescales each background row's log-odds values and is not the Shapley values of the
  probability). It explains one row at a time (7-14 ms a row here, one thread) and is timed
  on all rows; its values are checked against ours on the first ``EXACT_CHECK_ROWS`` rows,
  computed once before the timed repeats (which also pays its first call's one-off costs). A
  quick run (a smoke test of the section) makes no warm-up calls: one timed call each, whose
  values are the ones compared.
- ``wide numeric, log-odds``: the same on ``bench.data.widened`` rows (9 source features):
  ours is shap's interventional ``TreeExplainer`` in log-odds as publishing sets it up (split
  thresholds recoded, every row checked). Baseline: shap's
  ``TreeExplainer(final, data=background, model_output="raw",
  feature_perturbation="interventional")`` on the same transformed rows.
- ``native categorical, log-odds``: one splitting natively on the machine type (ours: the
  library's own SHAP values; baseline: shap's path-dependent ``TreeExplainer``, its fastest
  exact explainer of such a model).
- ``regression, value``: a regression of the process temperature (the same baseline).

And two rows of scikit-learn's histogram gradient boosting on the machine type as a pandas
category (``bench_hist_gradient``): shap reads its numeric splits but not its splits on
categories, so ours is shap's interventional ``TreeExplainer`` on its trees as
``model.hist_gradient_trees`` reads them (``wide native categorical, log-odds``: 9 source
features; ``native categorical regression, value``: the process temperature). shap has no fast
exact explainer of such a model: the baseline is the same shap call on the model as shap reads
it (numeric splits only, so its values are not the model's: the note says how far apart), the
cost of the same algorithm on the same rows; the note also gives shap ``Exact``'s time a row
and its values' distance from ours on the first rows. A third row, ``classic multiclass``:
scikit-learn's classic gradient boosting of three classes (the process temperature's
tertiles, from the 8 other widened readings), which shap's tree explainer refuses; ours reads
its trees the same way, and the baseline is shap ``Exact`` on its softmax scores, timed on the
first rows: milliseconds a row on both sides.

Ours is ``explain_estimator`` with the probabilities or values publishing has already
predicted: choosing the explainer, computing, checking every row's additivity and summing
one-hot columns back to their source. Both sides run as they do by default: the exact
explainer runs its coalitions on a thread per core, as publishing does, and shap's ``Exact`` on
one; LightGBM's own values run on every core on both sides (shap calls the model's booster;
publishing asks for every core whatever the model's ``n_jobs``). Each note gives both sides'
CPU seconds, the work apart from threads.
"""

from __future__ import annotations

import time
import warnings
from functools import partial

import numpy as np
import pandas as pd

from bench.data import WIDE, resampled_rows, training_rows, widened
from bench.report import Row
from model.background import representative_background
from model.config import SEED
from model.hist_gradient_trees import hist_gradient_trees

__all__ = [
    "CASES",
    "LIBRARIES",
    "against_summed_shap",
    "bench_explainers",
    "bench_hist_gradient",
    "boosting_model",
    "case_rows",
    "shap_baseline",
    "shap_exact_probability",
]

LIBRARIES = ("xgboost", "lightgbm", "catboost")
CASES = (
    "numeric, probability",
    "wide numeric, log-odds",
    "native categorical, log-odds",
    "regression, value",
)
#: shap's ``Exact`` values are compared with ours on this many rows (``QUICK_EXACT_CHECK_ROWS``
#: in a quick run), explained once before the timed repeats.
EXACT_CHECK_ROWS = 100
QUICK_EXACT_CHECK_ROWS = 10
GOAL = ("<=", 1.25)
#: The regression's target: the process temperature, from the other readings.
REGRESSION_TARGET = "Process temperature (K)"


def _plain_names(X: pd.DataFrame) -> pd.DataFrame:
    """AI4I's column names without brackets, which XGBoost refuses in feature names."""
    return X.rename(columns=lambda c: c.replace("[", "(").replace("]", ")"))


def boosting_model(library: str, case: str, trees: int):
    """A fitted model of ``library`` for ``case`` and the columns it takes, or None if the
    library is not installed: ``(estimator, columns, task)``."""
    try:
        module = __import__(library)
    except ImportError:
        return None
    from sklearn.compose import ColumnTransformer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    regression = case.startswith("regression")
    X, y = training_rows()
    X = _plain_names(widened(X) if case.startswith("wide") else X)
    if regression:
        y = X[REGRESSION_TARGET]
        X = X.drop(columns=REGRESSION_TARGET)
    native = case.startswith(("native", "regression"))
    categorical = ["Type"] if native and library == "catboost" else None
    final = _estimator(module, library, regression, trees, categorical)
    if native:
        X = _native_types(X, library)
        return final.fit(X, y), list(X.columns), "regression" if regression else "binary"
    prep = ColumnTransformer(
        [
            ("type", OneHotEncoder(handle_unknown="ignore"), ["Type"]),
            ("sensors", "passthrough", [c for c in X.columns if c != "Type"]),
        ]
    )
    pipeline = Pipeline([("prep", prep), ("model", final)]).fit(X, y)
    return pipeline, list(X.columns), "binary"


def _estimator(module, library, regression, trees, categorical):
    if library == "xgboost":
        cls = module.XGBRegressor if regression else module.XGBClassifier
        return cls(n_estimators=trees, max_depth=4, enable_categorical=True, n_jobs=1)
    if library == "lightgbm":
        cls = module.LGBMRegressor if regression else module.LGBMClassifier
        return cls(n_estimators=trees, num_leaves=15, verbose=-1, n_jobs=1)
    cls = module.CatBoostRegressor if regression else module.CatBoostClassifier
    return cls(
        iterations=trees,
        depth=6,
        verbose=0,
        thread_count=1,
        allow_writing_files=False,
        cat_features=categorical,
    )


def _native_types(X: pd.DataFrame, library: str) -> pd.DataFrame:
    """``X`` with the machine type as the library takes a native category: text for
    CatBoost, a pandas category for the others (scikit-learn's histogram boosting too)."""
    if library == "catboost":
        return X.assign(Type=X["Type"].astype(str))
    return X.assign(Type=pd.Categorical(X["Type"], categories=["H", "L", "M"]))


def case_rows(library: str, case: str, n: int, columns: list[str]) -> pd.DataFrame:
    """``n`` resampled AI4I rows as the model of ``case`` takes them."""
    X = resampled_rows(n)[0]
    X = _plain_names(widened(X) if case.startswith("wide") else X)
    native = "native" in case or case.startswith("regression")
    X = _native_types(X, library) if native else X
    return X[columns]


def shap_baseline(estimator, X: pd.DataFrame, background: pd.DataFrame, case: str):
    """shap's fastest exact explainer of the tree model for ``case`` (not the probability,
    see ``shap_exact_probability``): interventional in log-odds (``model_output="raw"``) over
    ``background`` for the wide numeric classifier, path-dependent for log-odds of native
    categorical splits and for values."""
    import shap

    final = estimator[-1] if hasattr(estimator, "steps") else estimator
    Z, Z_background = X, background
    if hasattr(estimator, "steps"):
        Z = np.asarray(estimator[:-1].transform(X), dtype=float)
        Z_background = np.asarray(estimator[:-1].transform(background), dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if case.startswith("wide"):
            explainer = shap.TreeExplainer(
                final,
                data=Z_background,
                model_output="raw",
                feature_perturbation="interventional",
            )
        else:
            explainer = shap.TreeExplainer(final)
        return explainer.shap_values(Z, check_additivity=False)


def shap_exact_probability(estimator, X: pd.DataFrame, background: pd.DataFrame):
    """shap's ``Exact`` explainer of the pipeline's probability of the positive class on the
    source columns, with an ``Independent`` masker over all of ``background``: ``(n, M)``.

    shap's maskers hold numbers only, so the machine type goes in as integer codes and the
    model's function decodes them into the frame the pipeline takes."""
    import shap

    columns = list(X.columns)
    types = np.array(sorted(set(X["Type"]) | set(background["Type"])), dtype=object)
    at = columns.index("Type")

    def codes(frame: pd.DataFrame) -> np.ndarray:
        numbers = frame.assign(Type=np.searchsorted(types, frame["Type"].to_numpy()))
        return numbers.to_numpy(dtype=float)

    def probability(array: np.ndarray) -> np.ndarray:
        frame = pd.DataFrame(array, columns=columns)
        frame["Type"] = types[array[:, at].astype(int)]
        return estimator.predict_proba(frame)[:, 1]

    masker = shap.maskers.Independent(codes(background), max_samples=len(background))
    explainer = shap.explainers.Exact(probability, masker)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return explainer(codes(X), silent=True).values  # no progress bar after 10 s


def _cpu_timed(call) -> tuple[float, float]:
    """Wall and CPU seconds (this process, all its threads) of one call."""
    return _cpu_timed_result(call)[:2]


def _cpu_timed_result(call) -> tuple[float, float, object]:
    """Wall and CPU seconds of one call, and what it returned."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = call()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def _median_turns(ours_call, bare_call, repeats: int, ours_runs=(), bare_runs=()):
    """Ours and the baseline timed in turns ``repeats`` times, after the timed runs already
    made: each side's median run by wall time, ``((wall, cpu), (wall, cpu))``."""
    ours_runs, bare_runs = list(ours_runs), list(bare_runs)
    for _ in range(repeats):
        bare_runs.append(_cpu_timed(bare_call))
        ours_runs.append(_cpu_timed(ours_call))
    return tuple(sorted(runs)[len(runs) // 2] for runs in (ours_runs, bare_runs))


def _ours(estimator, X, background, task, outputs):
    from model.explain import explain_estimator

    return explain_estimator(estimator, X, background, task, 2, n_jobs=1, outputs=outputs)


def _positive_class(values: np.ndarray) -> np.ndarray:
    """Our values ``(n, M)`` or ``(n, M, C)`` of a binary classifier: the positive class's."""
    return values[..., -1] if values.ndim == 3 else values


def _probability_row(name, estimator, X, background, task, outputs, repeats, quick, log) -> Row:
    """Ours against shap's ``Exact``, both on every row; their values compared on the first."""
    subset = X.iloc[: min(len(X), QUICK_EXACT_CHECK_ROWS if quick else EXACT_CHECK_ROWS)]
    ours_runs, bare_runs = [], []
    if quick:  # a smoke run: no warm-up calls, the timed ones give the values compared
        *timed, theirs = _cpu_timed_result(
            partial(shap_exact_probability, estimator, X, background)
        )
        bare_runs.append(tuple(timed))
        *timed, result = _cpu_timed_result(partial(_ours, estimator, X, background, task, outputs))
        ours_runs.append(tuple(timed))
        theirs = theirs[: len(subset)]
    else:
        result = _ours(estimator, X, background, task, outputs)  # warm: imports, caches
        theirs = shap_exact_probability(estimator, subset, background)  # warm too
    gap = float(np.max(np.abs(theirs - _positive_class(result.values)[: len(subset)])))
    (ours, ours_cpu), (bare, bare_cpu) = _median_turns(
        partial(_ours, estimator, X, background, task, outputs),
        partial(shap_exact_probability, estimator, X, background),
        0 if quick else max(1, repeats),
        ours_runs,
        bare_runs,
    )
    methods, note = _result_note(
        result, f"ours {ours_cpu:.2f} (a thread per core), shap {bare_cpu:.2f}"
    )
    log(f"  {name}: ours {ours:.2f} s ({ours_cpu:.2f} CPU s), shap Exact {bare:.2f} s ({methods})")
    note += (
        f"; baseline: shap Exact (Independent masker, the same {len(background)} background "
        f"rows), {bare / len(X):.4f} s a row; its values within {gap:.1e} of ours on the first "
        f"{len(subset):,} rows"
    )
    return Row("h explainers", name, ours, bare, "s", GOAL, note)


def _result_note(result, cpu: str) -> tuple[str, str]:
    """How many rows each explainer explained, and a row's note: unit, those counts, the
    largest additivity error and ``cpu`` (both sides' CPU seconds)."""
    methods = ", ".join(f"{k}: {v:,}" for k, v in result.methods.items())
    note = (
        f"unit {result.unit}; {methods} rows; largest additivity error "
        f"{result.max_additivity_error:.1e}; CPU s: {cpu}"
    )
    return methods, note


def bench_explainers(n: int, repeats: int, quick: bool, log=print) -> list[Row]:
    """One row per library and case: our explanation against shap's, same rows and units."""
    from model.explain import model_outputs

    rows: list[Row] = []
    trees = 10 if quick else 100
    for library in LIBRARIES:
        for case in CASES:
            name = f"{library} {case.split(',')[0]}, {n:,} rows"
            fitted = boosting_model(library, case, trees)
            if fitted is None:
                rows.append(
                    Row("h explainers", name, None, None, "s", None, f"skipped: no {library}")
                )
                continue
            estimator, columns, task = fitted
            X = case_rows(library, case, n, columns)
            outputs = model_outputs(estimator, X, task)  # what publishing has predicted
            background = representative_background(X, outputs)  # publishing's rows
            if case.endswith("probability"):
                rows.append(
                    _probability_row(
                        name, estimator, X, background, task, outputs, repeats, quick, log
                    )
                )
                continue
            result = _ours(estimator, X, background, task, outputs)  # warm: imports, caches
            shap_baseline(estimator, X, background, case)
            (ours, ours_cpu), (bare, bare_cpu) = _median_turns(
                partial(_ours, estimator, X, background, task, outputs),
                partial(shap_baseline, estimator, X, background, case),
                max(1, repeats),
            )
            methods, note = _result_note(result, f"ours {ours_cpu:.2f}, shap {bare_cpu:.2f}")
            log(f"  {name}: ours {ours:.2f} s, shap {bare:.2f} s ({methods})")
            rows.append(Row("h explainers", name, ours, bare, "s", GOAL, note))
    return rows


#: Section h's rows of scikit-learn's histogram gradient boosting on a category column.
HIST_GRADIENT_CASES = ("wide native categorical, log-odds", "native categorical regression, value")
#: shap ``Exact``'s values are compared with ours on this many rows (quick: ``QUICK_…``).
HIST_GRADIENT_EXACT_ROWS = 20
QUICK_HIST_GRADIENT_EXACT_ROWS = 3


def hist_gradient_model(case: str, trees: int):
    """A fitted histogram gradient boosting model of ``case`` splitting on the machine type
    as a pandas category: ``(estimator, columns, task)``."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    X, y = training_rows()
    X = _native_types(_plain_names(widened(X) if case.startswith("wide") else X), "sklearn")
    if "regression" in case:
        y = X.pop(REGRESSION_TARGET)
        model = HistGradientBoostingRegressor(max_iter=trees, random_state=SEED)
        return model.fit(X, y), list(X.columns), "regression"
    model = HistGradientBoostingClassifier(max_iter=trees, random_state=SEED)
    return model.fit(X, y), list(X.columns), "binary"


def _shap_reading(model, X: pd.DataFrame, background: pd.DataFrame) -> np.ndarray:
    """shap's interventional ``TreeExplainer`` (raw output) on ``model`` as shap reads it."""
    import shap

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        explainer = shap.TreeExplainer(
            model,
            data=model._preprocessor.transform(background),
            model_output="raw",
            feature_perturbation="interventional",
        )
        values = explainer.shap_values(model._preprocessor.transform(X), check_additivity=False)
    # shap's columns are the model's: its category columns first; ours are the source columns
    order = hist_gradient_trees(model).input_order(X.shape[1])
    return np.asarray(values)[:, np.argsort(order)]


def _shap_exact_raw(model, task: str, X: pd.DataFrame, background: pd.DataFrame) -> np.ndarray:
    """shap's ``Exact`` explainer of the raw score (log-odds) or value: ``(n, M)``."""
    import shap

    from model.explain_columns import FrameCodec

    codec = FrameCodec(pd.concat([X, background]))
    raw = model.predict if task == "regression" else model.decision_function
    explainer = shap.explainers.Exact(
        lambda array: raw(codec.decode(array)),
        shap.maskers.Independent(codec.encode(background), max_samples=len(background)),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return explainer(codec.encode(X)).values


def classic_multiclass_model(trees: int):
    """A classic ``GradientBoostingClassifier`` of the process temperature's tertiles from the
    other widened readings: ``(estimator, columns)``."""
    from sklearn.ensemble import GradientBoostingClassifier

    X, _ = training_rows()
    X = _plain_names(widened(X)).drop(columns="Type")
    y = pd.qcut(X.pop(REGRESSION_TARGET), 3, labels=["cool", "mild", "hot"]).astype(str)
    model = GradientBoostingClassifier(n_estimators=trees, max_depth=3, random_state=SEED)
    return model.fit(X, y), list(X.columns)


def _classic_multiclass_row(n: int, quick: bool, log) -> Row:
    """Ours on every row against shap ``Exact`` on the first rows, in milliseconds a row."""
    import shap

    from model.explain import explain_estimator, model_outputs

    estimator, columns = classic_multiclass_model(10 if quick else 100)
    X = _plain_names(widened(resampled_rows(n)[0]))[columns]
    outputs = model_outputs(estimator, X, "multiclass")
    background = representative_background(X, outputs)  # publishing's rows

    def ours():
        return explain_estimator(
            estimator, X, background, "multiclass", 3, n_jobs=1, outputs=outputs
        )

    ours()  # warm: imports, caches
    seconds, cpu, result = _cpu_timed_result(ours)
    first = X.iloc[: QUICK_HIST_GRADIENT_EXACT_ROWS if quick else HIST_GRADIENT_EXACT_ROWS]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the model fitted with column names gets arrays
        explainer = shap.explainers.Exact(
            estimator.decision_function,
            shap.maskers.Independent(background.to_numpy(float), max_samples=len(background)),
        )
        explainer(first.to_numpy(float)[:1])  # warm
        exact_seconds, exact_cpu, exact = _cpu_timed_result(
            lambda: explainer(first.to_numpy(float)).values
        )
    gap = float(np.max(np.abs(exact - result.values[: len(first)])))
    name = f"sklearn classic multiclass, {n:,} rows (a row)"
    ours_ms, exact_ms = 1000 * seconds / len(X), 1000 * exact_seconds / len(first)
    log(f"  {name}: ours {ours_ms:.2f} ms a row, shap Exact {exact_ms:.1f} ms a row")
    _, note = _result_note(
        result, f"ours {cpu:.2f} for {len(X):,} rows, shap {exact_cpu:.2f} for {len(first)}"
    )
    note += (
        f"; baseline: shap Exact (Independent masker, the same {len(background)} background "
        f"rows) on the softmax scores, timed on the first {len(first)} rows, its values within "
        f"{gap:.1e} of ours"
    )
    return Row("h explainers", name, ours_ms, exact_ms, "ms", GOAL, note)


def bench_hist_gradient(n: int, repeats: int, quick: bool, log=print) -> list[Row]:
    """One row per ``HIST_GRADIENT_CASES``: ours against shap's tree explainer on the model as
    shap reads it, with shap ``Exact``'s time and distance from ours on the first rows; and
    the classic multiclass row against shap ``Exact``, a row's milliseconds; and a forest
    behind feature selection against shap's tree explainer on the columns it sees."""
    from model.explain import model_outputs

    rows: list[Row] = []
    for case in HIST_GRADIENT_CASES:
        name = f"sklearn histogram {case.split(',')[0]}, {n:,} rows"
        estimator, columns, task = hist_gradient_model(case, 10 if quick else 100)
        X = case_rows("sklearn", case, n, columns)
        outputs = model_outputs(estimator, X, task)
        background = representative_background(X, outputs)  # publishing's rows
        result = _ours(estimator, X, background, task, outputs)  # warm: imports, caches
        reading = _shap_reading(estimator, X, background)
        misread = float(np.max(np.abs(reading - _positive_class(result.values))))
        first = X.iloc[: QUICK_HIST_GRADIENT_EXACT_ROWS if quick else HIST_GRADIENT_EXACT_ROWS]
        start = time.perf_counter()
        exact = _shap_exact_raw(estimator, task, first, background)
        exact_per_row = (time.perf_counter() - start) / len(first)
        gap = float(np.max(np.abs(exact - _positive_class(result.values)[: len(first)])))
        (ours, ours_cpu), (bare, bare_cpu) = _median_turns(
            partial(_ours, estimator, X, background, task, outputs),
            partial(_shap_reading, estimator, X, background),
            max(1, repeats),
        )
        methods, note = _result_note(result, f"ours {ours_cpu:.2f}, shap {bare_cpu:.2f}")
        log(f"  {name}: ours {ours:.2f} s, shap's reading {bare:.2f} s ({methods})")
        note += (
            "; baseline: shap's interventional TreeExplainer on the model as shap reads it "
            f"(numeric splits only: up to {misread:.2g} from the model's values); shap Exact: "
            f"{exact_per_row:.3f} s a row, within {gap:.1e} of ours on the first {len(first)} rows"
        )
        rows.append(Row("h explainers", name, ours, bare, "s", GOAL, note))
    rows.append(_classic_multiclass_row(n, quick, log))
    rows.append(_selected_forest_row(n, repeats, quick, log))
    return rows


#: The forest behind feature selection (``selected_forest_model``) keeps this many columns.
SELECTED_COLUMNS = 6


def selected_forest_model(trees: int):
    """A forest behind the steps that make each column from one source column: the machine
    type one-hot, the widened readings imputed with "is missing" columns, and
    ``SelectKBest`` keeping ``SELECTED_COLUMNS`` of them: ``(estimator, columns)``. Until
    2026-12-05 the selector sent such a forest to the exact explainer (its 9 source features)
    or, above 12, to the sampled estimate."""
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.feature_selection import SelectKBest
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    X, y = training_rows()
    X = _with_gaps(widened(X))
    readings = [c for c in X.columns if c != "Type"]
    prep = ColumnTransformer(
        [
            ("type", OneHotEncoder(handle_unknown="ignore"), ["Type"]),
            ("readings", SimpleImputer(add_indicator=True), readings),
        ]
    )
    forest = RandomForestClassifier(n_estimators=trees, max_depth=8, random_state=SEED)
    pipeline = Pipeline(
        [("prep", prep), ("keep", SelectKBest(k=SELECTED_COLUMNS)), ("model", forest)]
    )
    return pipeline.fit(X, y), list(X.columns)


def _with_gaps(X: pd.DataFrame) -> pd.DataFrame:
    """``X`` with one reading in 20 of the derived power missing (seeded), so the imputer
    adds its "is missing" column."""
    gaps = np.random.default_rng(SEED).random(len(X)) < 0.05
    return X.assign(**{WIDE[0]: X[WIDE[0]].mask(gaps)})


def _transformed_tree_shap(estimator, X: pd.DataFrame) -> np.ndarray:
    """The baseline: shap's path-dependent ``TreeExplainer`` on the forest and the rows as
    the steps before it hand them over (transforming them included), the positive class."""
    import shap

    Z = estimator[:-1].transform(X)
    return np.asarray(shap.TreeExplainer(estimator[-1]).shap_values(Z))[..., 1]


def _selected_forest_row(n: int, repeats: int, quick: bool, log) -> Row:
    """Ours against shap's tree explainer on the transformed columns, values compared after
    summing shap's by source column."""
    from model.explain_columns import source_columns

    estimator, columns = selected_forest_model(10 if quick else 100)
    X = _with_gaps(widened(resampled_rows(n)[0]))[columns]
    sources = source_columns(estimator[:-1], columns)
    offered = estimator[0].transform(X.iloc[:1]).shape[1]  # the columns SelectKBest chose from
    return against_summed_shap(
        f"sklearn forest behind feature selection, {n:,} rows",
        estimator,
        X,
        _transformed_tree_shap,
        f"shap's path-dependent TreeExplainer on the {len(sources)} columns SelectKBest keeps "
        f"of {offered} (one-hot type, imputed readings and their 'is missing' column), "
        "transforming included; its values",
        repeats,
        log,
    )


def against_summed_shap(name, estimator, X, baseline, described, repeats, log) -> Row:
    """A binary pipeline's row: ours against ``baseline(estimator, X)`` (shap's values, one
    column per column the last step sees, positive class), ``described`` in the note, the
    values compared after summing shap's by source column."""
    from model.explain import model_outputs
    from model.explain_columns import source_columns, sum_to_sources

    columns = list(X.columns)
    outputs = model_outputs(estimator, X, "binary")
    background = representative_background(X, outputs)  # publishing's rows
    result = _ours(estimator, X, background, "binary", outputs)  # warm: imports, caches
    sources = source_columns(estimator[:-1], columns)
    summed = sum_to_sources(baseline(estimator, X)[:, :, None], sources, columns)[:, :, 0]
    gap = float(np.max(np.abs(summed - _positive_class(result.values))))
    (ours, ours_cpu), (bare, bare_cpu) = _median_turns(
        partial(_ours, estimator, X, background, "binary", outputs),
        partial(baseline, estimator, X),
        max(1, repeats),
    )
    methods, note = _result_note(result, f"ours {ours_cpu:.2f}, shap {bare_cpu:.2f}")
    log(f"  {name}: ours {ours:.2f} s, shap {bare:.2f} s ({methods})")
    note += f"; baseline: {described} summed by source within {gap:.1e} of ours"
    return Row("h explainers", name, ours, bare, "s", GOAL, note)
