"""Hand-written rule models that follow scikit-learn's estimator contract.

A rule decides; ``fit`` only learns how often the rule's two outcomes were followed by a
failure in the training data, so that ``predict_proba`` reports an honest confidence instead of
a fake 0 or 1. Every page can then treat a rule, a logistic regression and a gradient-boosted
ensemble alike.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin

TYPE = "Type"
AIR_TEMPERATURE = "Air temperature [K]"
PROCESS_TEMPERATURE = "Process temperature [K]"
SPEED = "Rotational speed [rpm]"
TORQUE = "Torque [Nm]"
TOOL_WEAR = "Tool wear [min]"


class _RuleClassifier(ClassifierMixin, BaseEstimator):
    """Base class: subclasses implement ``fires(X) -> bool array`` and list ``required_columns``."""

    required_columns: tuple[str, ...] = ()

    def fires(self, X: pd.DataFrame) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _check_columns(self, X: pd.DataFrame) -> pd.DataFrame:
        if not isinstance(X, pd.DataFrame):
            X = pd.DataFrame(X, columns=getattr(self, "feature_names_in_", None))
        missing = [c for c in self.required_columns if c not in X.columns]
        if missing:
            raise ValueError(f"{type(self).__name__} needs the columns {missing}")
        return X

    def fit(self, X: pd.DataFrame, y) -> _RuleClassifier:
        """Learn the observed failure rate when the rule fires and when it does not."""
        X = self._check_columns(X)
        y = np.asarray(y)
        self.classes_ = np.unique(y)
        if len(self.classes_) != 2:
            raise ValueError("a rule model needs a binary target with both classes present")
        self.feature_names_in_ = np.asarray(X.columns, dtype=object)
        self.n_features_in_ = X.shape[1]
        positive = y == self.classes_[1]
        fired = self.fires(X)
        # Laplace smoothing keeps a rate away from exactly 0 or 1 on few rows.
        self.rate_if_fires_ = (positive[fired].sum() + 1) / (fired.sum() + 2)
        self.rate_otherwise_ = (positive[~fired].sum() + 1) / ((~fired).sum() + 2)
        return self

    def predict_proba(self, X: pd.DataFrame) -> np.ndarray:
        """Probability of each class: the training-set failure rate of the rule's outcome."""
        fired = self.fires(self._check_columns(X))
        p1 = np.where(fired, self.rate_if_fires_, self.rate_otherwise_)
        return np.column_stack([1.0 - p1, p1])

    def predict(self, X: pd.DataFrame) -> np.ndarray:
        """The rule's decision: the positive class where it fires."""
        return np.where(self.fires(self._check_columns(X)), self.classes_[1], self.classes_[0])


class ToolWearRule(_RuleClassifier):
    """Sprint-1 baseline: a machine fails once its tool has run ``threshold`` minutes."""

    required_columns = (TOOL_WEAR,)

    def __init__(self, threshold: float = 200.0):
        self.threshold = threshold

    def fires(self, X: pd.DataFrame) -> np.ndarray:
        return X[TOOL_WEAR].to_numpy(dtype=float) >= self.threshold


class PhysicsRules(_RuleClassifier):
    """The maintenance engineers' physics: heat dissipation, power and overstrain limits.

    - heat dissipation: process − air temperature below ``min_temperature_difference`` K while
      the spindle turns slower than ``max_heat_speed`` rpm;
    - power: torque × angular speed outside ``power_range`` watts;
    - overstrain: tool wear × torque above the limit for the product variant (min·Nm);
    - tool wear (only if ``tool_wear_limit`` is set): wear of that many minutes or more.
    """

    required_columns = (TYPE, AIR_TEMPERATURE, PROCESS_TEMPERATURE, SPEED, TORQUE, TOOL_WEAR)

    def __init__(
        self,
        min_temperature_difference: float = 8.6,
        max_heat_speed: float = 1380.0,
        power_range: tuple[float, float] = (3500.0, 9000.0),
        overstrain_limits: dict[str, float] | None = None,
        tool_wear_limit: float | None = None,
    ):
        self.min_temperature_difference = min_temperature_difference
        self.max_heat_speed = max_heat_speed
        self.power_range = power_range
        self.overstrain_limits = overstrain_limits
        self.tool_wear_limit = tool_wear_limit

    def fires(self, X: pd.DataFrame) -> np.ndarray:
        limits = self.overstrain_limits or {"L": 11000.0, "M": 12000.0, "H": 13000.0}
        speed = X[SPEED].to_numpy(dtype=float)
        torque = X[TORQUE].to_numpy(dtype=float)
        wear = X[TOOL_WEAR].to_numpy(dtype=float)
        temperature_difference = X[PROCESS_TEMPERATURE].to_numpy(float) - X[
            AIR_TEMPERATURE
        ].to_numpy(float)
        heat = (temperature_difference < self.min_temperature_difference) & (
            speed < self.max_heat_speed
        )
        power = torque * speed * 2 * np.pi / 60
        power_failure = (power < self.power_range[0]) | (power > self.power_range[1])
        limit = X[TYPE].astype(object).map(limits).to_numpy(dtype=float)
        overstrain = wear * torque > np.nan_to_num(limit, nan=np.inf)
        fired = heat | power_failure | overstrain
        if self.tool_wear_limit is not None:
            fired |= wear >= self.tool_wear_limit
        return fired
