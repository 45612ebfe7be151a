"""Paths and settings, defined once: everything else imports them from here."""

from __future__ import annotations

import os
from pathlib import Path

from feedback_store.validation import ROW_ID_MAX

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent

#: The environment variable that names the workspace folder the app opens.
WORKSPACE_ENV_VAR = "SPRINT_REVIEW_WORKSPACE"
DEFAULT_WORKSPACE = Path("workspace")

#: The bundled demo dataset (AI4I 2020, CC BY 4.0; see model/data/ATTRIBUTION.md).
DEMO_DATA_FILE = PACKAGE_DIR / "data" / "ai4i2020.csv"

#: SHAP background: rows drawn from the demo set that define the "average machine".
DEFAULT_BACKGROUND_SIZE = 50
#: Additivity tolerance: base value + sum of contributions must equal the model output.
ADDITIVITY_TOLERANCE = 1e-6
#: The names publishing records for the fast explainers (``model.explain_trees``), here so
#: that pages can tell them apart without importing scikit-learn.
PATH_DEPENDENT_TREE = "tree (path-dependent)"
INTERVENTIONAL_TREE = "tree (interventional, log-odds)"
#: A regression's trees read by ``model.hist_gradient_trees``, explained interventionally.
INTERVENTIONAL_VALUE_TREE = "tree (interventional)"
NATIVE_TREE = "tree (path-dependent, log-odds)"
LINEAR = "linear"
#: What prototypes published before 2026-12-04 recorded for boosting classifiers: shap's
#: probability output, which rescales each background row's log-odds values and is not the
#: exact Shapley values of the probability. Rows of those prototypes explained later get the
#: same kind of values, and the pages say what they are.
INTERVENTIONAL_PROBABILITY_TREE = "tree (interventional, probability)"
#: Above this many input features, exact Shapley enumeration (2**M coalitions) is too costly
#: and the seeded estimate is used instead.
MAX_EXACT_FEATURES = 12
#: Up to this many source features a boosting classifier is explained by the exact explainer
#: in probability (2**6 coalitions x 50 background rows: 3,200 predictions a row); above it,
#: exactly in log-odds by its trees, since no fast method gives exact probability values.
MAX_EXACT_PROBABILITY_FEATURES = 6

SEED = 20201

#: Row ids are shown, typed and stored as text; publishing and the verdict store refuse
#: longer ones, so every published row can be reviewed. The verdict store owns the number.
MAX_ROW_ID_LENGTH = ROW_ID_MAX

#: The bake-off's bootstrap: resamples and their seed. Publishing stores each prototype's
#: headline metric on these resamples, so the Bake-off page only reads them.
BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 0
#: Publishing stores those replicates for demo sets of at least this many rows. Smaller sets
#: are bootstrapped on the page, where it takes under half a second for several prototypes
#: (10,000 rows: about 0.35 s for four); storing them would add about 0.2 s to a publish of
#: 10,000 rows, a tenth of its SHAP work. At 100,000 rows the page would wait 3.5 s.
BOOTSTRAP_STORE_MIN_ROWS = 20_000

#: Rows whose SHAP values are computed when publishing (the "demo deck"): every misclassified
#: row (up to ``DECK_ERROR_SHARE`` of the deck), the least confident rows
#: (``DECK_PRIORITY_SHARE``; the largest errors for regression) and a stratified random
#: sample. Other rows are explained when someone selects them. ``None``, or a size at least
#: the number of rows, precomputes every row: the bundled demo (2,000 rows) is fully
#: precomputed.
DEFAULT_DECK_SIZE = 5_000
DECK_ERROR_SHARE = 0.5
DECK_PRIORITY_SHARE = 0.1
#: Regression decks are stratified by this many quantile bins of the predicted value.
DECK_REGRESSION_BINS = 10
#: The prototype file of a model with free-text columns: the deck rows' largest words.
TEXT_CONTRIBUTIONS_FILE = "text_contributions.parquet"

#: Worker processes for tree SHAP values when publishing (joblib's ``n_jobs``: -1 is every
#: core). ``$SPRINT_REVIEW_SHAP_JOBS`` overrides it; 1 computes everything in-process.
SHAP_N_JOBS = -1
SHAP_JOBS_ENV_VAR = "SPRINT_REVIEW_SHAP_JOBS"
#: SHAP values are computed in-process for sets of fewer than ``SHAP_PARALLEL_MIN_ROWS`` rows,
#: or when the rows explained first (the 64-row additivity probe, or ``SHAP_PILOT_ROWS`` rows
#: for a direct ``tree_shap_values`` call) say the rest would take less than
#: ``SHAP_PARALLEL_MIN_SECONDS`` in one process. Starting the workers costs each about 2.4 s
#: of CPU (importing shap, with scikit-learn and scipy), once per 5 idle minutes; once they
#: run, a parallel call costs about 0.1 s more than its share of the work. So at 1,000 rows
#: (a 100-tree depth-8 forest: 1 s in-process) running workers would save at most 0.45 s, and
#: starting them would cost 2.4 s: small sets, the bundled demo (2,000 rows) among them, stay
#: in-process. From 5,000 rows (the default demo deck), a forest (5 s) or gradient boosting
#: (1.3 s) gets workers: a publish that has to start them may be slower than in-process (by up
#: to 1.8 s for that gradient boosting), the publishes of the next 5 minutes are faster.
SHAP_PARALLEL_MIN_ROWS = 5_000
SHAP_PARALLEL_MIN_SECONDS = 1.0
SHAP_PILOT_ROWS = 128


def workspace_from_env() -> Path:
    """The workspace folder the app should open: ``$SPRINT_REVIEW_WORKSPACE`` or ``./workspace``."""
    return Path(os.environ.get(WORKSPACE_ENV_VAR) or DEFAULT_WORKSPACE)
