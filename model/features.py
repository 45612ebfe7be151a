"""Feature engineering the subject-matter experts asked for, as a scikit-learn transformer."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from model.rules import AIR_TEMPERATURE, PROCESS_TEMPERATURE, SPEED, TOOL_WEAR, TORQUE

POWER = "Power [W]"
TEMPERATURE_DIFFERENCE = "Temperature difference [K]"
STRAIN = "Strain [min·Nm]"


class PhysicsFeatures(TransformerMixin, BaseEstimator):
    """Add power (torque × angular speed), process−air temperature difference and tool strain.

    The input columns pass through unchanged, so the model still sees what the sensors report.
    """

    def fit(self, X: pd.DataFrame, y=None) -> PhysicsFeatures:
        """Remember the input columns; there is nothing to learn."""
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        """Return ``X`` with the three physics columns appended."""
        out = X.copy()
        out[POWER] = X[TORQUE].astype(float) * X[SPEED].astype(float) * 2 * np.pi / 60
        out[TEMPERATURE_DIFFERENCE] = X[PROCESS_TEMPERATURE].astype(float) - X[
            AIR_TEMPERATURE
        ].astype(float)
        out[STRAIN] = X[TOOL_WEAR].astype(float) * X[TORQUE].astype(float)
        return out

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        names = list(self.feature_names_in_ if input_features is None else input_features)
        return np.asarray([*names, POWER, TEMPERATURE_DIFFERENCE, STRAIN], dtype=object)
