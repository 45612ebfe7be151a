"""Paths and settings, defined once: everything else imports them from here."""

from __future__ import annotations

import os
from pathlib import Path

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
#: Above this many input features, exact Shapley enumeration (2**M coalitions) is too costly
#: and the permutation explainer is used instead.
MAX_EXACT_FEATURES = 12

SEED = 20201


def workspace_from_env() -> Path:
    """The workspace folder the app should open: ``$SPRINT_REVIEW_WORKSPACE`` or ``./workspace``."""
    return Path(os.environ.get(WORKSPACE_ENV_VAR) or DEFAULT_WORKSPACE)
