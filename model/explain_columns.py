"""The columns explained: source columns as float arrays for shap, and transformed columns
mapped back to the source columns they came from.

``FrameCodec`` turns a frame with categorical, text, boolean or datetime columns into floats
for shap's maskers and back; ``source_columns`` says which source column each output column of
a fitted preprocessor comes from, so contributions of ``cat__Type_L`` are summed into ``Type``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn import preprocessing
from sklearn.compose import ColumnTransformer
from sklearn.feature_selection import SelectorMixin
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.pipeline import FeatureUnion, Pipeline

from model.metrics import BINARY, REGRESSION
from model.stored_features import missing_kind

__all__ = ["FrameCodec", "as_float_array", "source_columns", "sum_to_sources"]


class FrameCodec:
    """Turns a DataFrame with categorical columns into a float array and back.

    Categorical columns (anything not numeric, booleans included) become integer codes; a
    missing or unknown value becomes NaN. Numeric columns pass through. ``decode`` restores
    the original column names, order, dtypes and category values, and gives a missing value
    back as the column's own missing marker (``NaN``, ``None`` or ``pd.NA``, whichever it
    held), so that an imputer sees a missing value where the data had one.
    """

    def __init__(self, frame: pd.DataFrame):
        self.columns = list(frame.columns)
        self.dtypes = frame.dtypes
        self.categories: dict[str, np.ndarray] = {}
        self.missing: dict[str, object] = {}
        #: Columns whose missing cells hold more than one of None, NaN and pd.NA: each is
        #: encoded as a code of its own after the categories', in this order.
        self.mixed: dict[str, list] = {}
        for column in self.columns:
            series = frame[column]
            if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
                values = pd.unique(series.dropna())
                self.categories[column] = np.asarray(sorted(values, key=str), dtype=object)
                absent = series[series.isna()]
                # NaN unless the column itself used None: scikit-learn's imputers take NaN
                # for missing, and None only where the user's data (and pipeline) has it.
                self.missing[column] = absent.iloc[0] if len(absent) else np.nan
                markers = _distinct_missing(absent)
                if len(markers) > 1:  # None and NaN in one column: a pipeline may tell them apart
                    self.mixed[column] = markers

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        """``frame``'s columns as floats: categories as their codes, missing as NaN."""
        out = np.empty((len(frame), len(self.columns)), dtype=float)
        for j, column in enumerate(self.columns):
            if column in self.categories:
                index = pd.Index(self.categories[column], dtype=object)
                values = frame[column].astype(object)
                codes = index.get_indexer(values).astype(float)
                codes[codes < 0] = np.nan
                if column in self.mixed:
                    first = len(self.categories[column])
                    kinds = np.array([missing_kind(v) for v in values], dtype=object)
                    for k, marker in enumerate(self.mixed[column]):
                        codes[kinds == missing_kind(marker)] = first + k
                out[:, j] = codes
            else:
                out[:, j] = frame[column].to_numpy(dtype=float, na_value=np.nan)
        return out

    def decode(self, array: np.ndarray) -> pd.DataFrame:
        """The frame ``encode`` made ``array`` from (columns, dtypes and values restored)."""
        if not self.categories:
            return self._decode_numbers(array)
        data = {}
        for j, column in enumerate(self.columns):
            if column in self.categories:
                codes = array[:, j]
                known = ~np.isnan(codes)
                values = np.full(len(codes), self.missing[column], dtype=object)
                categories = self.categories[column]
                if column in self.mixed:
                    for k, marker in enumerate(self.mixed[column]):
                        at = codes == len(categories) + k
                        values[at] = marker
                        known &= ~at
                values[known] = categories[codes[known].astype(int)]
                data[column] = _restored(pd.Series(values, dtype=object), self.dtypes[column])
            else:
                data[column] = pd.Series(array[:, j]).astype(self.dtypes[column], errors="ignore")
        return pd.DataFrame(data, columns=self.columns)

    def _decode_numbers(self, array: np.ndarray) -> pd.DataFrame:
        """``decode`` of an all-numeric frame: one float block (a copy, so that a model that
        writes to its input cannot change ``array``), then only the columns that were not
        float64 cast back, as ``decode`` casts them. Building a frame column by column was
        most of the time of a model called on sampled coalitions."""
        frame = pd.DataFrame(np.array(array, dtype=float), columns=self.columns)
        for column, dtype in self.dtypes.items():
            if dtype != np.float64:
                frame[column] = frame[column].astype(dtype, errors="ignore")
        return frame


def _distinct_missing(absent: pd.Series) -> list:
    """The distinct missing values among ``absent`` (None, NaN, pd.NA, NaT), in order seen."""
    markers: dict[str | None, object] = {}
    for value in absent:
        markers.setdefault(missing_kind(value), value)
    markers.pop(None, None)
    return list(markers.values())


def _restored(values: pd.Series, dtype) -> pd.Series:
    if pd.api.types.is_object_dtype(dtype):
        return values
    try:
        return values.astype(dtype)
    except (TypeError, ValueError):
        return values


_ELEMENTWISE = (
    preprocessing.StandardScaler,
    preprocessing.MinMaxScaler,
    preprocessing.MaxAbsScaler,
    preprocessing.RobustScaler,
    preprocessing.PowerTransformer,
    preprocessing.QuantileTransformer,
    preprocessing.OrdinalEncoder,
    preprocessing.Binarizer,
)


def source_columns(transformer, input_columns: list[str]) -> list[str] | None:
    """The source column behind each output column of a fitted ``transformer``.

    Returns ``None`` where an output column mixes several inputs, or where the transformer is
    not one whose columns are known to map back (then the exact explainer is used instead).
    """
    if transformer is None or transformer == "passthrough":
        return list(input_columns)
    if isinstance(transformer, preprocessing.FunctionTransformer) and transformer.func is None:
        return list(input_columns)  # how a fitted ColumnTransformer stores "passthrough"
    if isinstance(transformer, Pipeline):
        columns = list(input_columns)
        for _, step in transformer.steps:
            columns = source_columns(step, columns)
            if columns is None:
                return None
        return columns
    if isinstance(transformer, ColumnTransformer):
        return _column_transformer_sources(transformer, input_columns)
    if isinstance(transformer, FeatureUnion):  # each part sees every column; side by side
        columns = []
        for _, part in transformer.transformer_list:
            mapped = [] if part == "drop" else source_columns(part, input_columns)
            if mapped is None:
                return None
            columns += mapped
        return columns
    if isinstance(transformer, preprocessing.OneHotEncoder):
        counts = getattr(transformer, "_n_features_outs", None)
        if counts is None or len(counts) != len(input_columns):
            return None
        return [col for col, count in zip(input_columns, counts, strict=True) for _ in range(count)]
    if isinstance(transformer, SimpleImputer):
        kept = getattr(transformer, "_valid_mask", np.ones(len(input_columns), dtype=bool))
        columns = [col for col, keep in zip(input_columns, kept, strict=True) if keep]
        if transformer.add_indicator:  # then one "is missing" column per column that had any
            indicator = getattr(transformer, "indicator_", None)
            if indicator is None:
                return None
            columns += [input_columns[i] for i in indicator.features_]
        return columns
    if isinstance(transformer, MissingIndicator):  # one "is missing" column per column it keeps
        return [input_columns[i] for i in transformer.features_]
    if isinstance(transformer, preprocessing.TargetEncoder):
        # one column per input (each class's, next to each other, for a multiclass target)
        per_column, rest = divmod(len(transformer.encodings_), len(input_columns) or 1)
        if rest or not per_column:
            return None
        return [col for col in input_columns for _ in range(per_column)]
    if isinstance(transformer, SelectorMixin):  # SelectKBest, VarianceThreshold, RFE, ...
        kept = transformer.get_support()
        if len(kept) != len(input_columns):
            return None
        return [col for col, keep in zip(input_columns, kept, strict=True) if keep]
    if isinstance(transformer, preprocessing.SplineTransformer):
        per_column, rest = divmod(transformer.n_features_out_, len(input_columns) or 1)
        if rest:
            return None
        return [col for col in input_columns for _ in range(per_column)]
    if isinstance(transformer, preprocessing.KBinsDiscretizer):
        if transformer.encode == "ordinal":
            return list(input_columns)
        counts = np.asarray(transformer.n_bins_, dtype=int)
        if len(counts) != len(input_columns):
            return None
        return [col for col, count in zip(input_columns, counts, strict=True) for _ in range(count)]
    func = getattr(transformer, "func", None)
    if isinstance(transformer, preprocessing.FunctionTransformer) and (
        isinstance(func, np.ufunc) and func.nin == 1
    ):  # np.log1p, np.sqrt: each value on its own
        return list(input_columns)
    if isinstance(transformer, _ELEMENTWISE):
        return list(input_columns)
    return None


def _column_transformer_sources(
    ct: ColumnTransformer, input_columns: list[str]
) -> list[str] | None:
    n_out = sum(s.stop - s.start for s in ct.output_indices_.values())
    sources: list[str | None] = [None] * n_out
    for name, transformer, _ in ct.transformers_:
        out_slice = ct.output_indices_[name]
        if out_slice.stop == out_slice.start or transformer == "drop":
            continue
        indices = ct._transformer_to_input_indices[name]
        mapped = source_columns(transformer, [input_columns[i] for i in indices])
        if mapped is None or len(mapped) != out_slice.stop - out_slice.start:
            return None
        sources[out_slice] = mapped
    if any(s is None for s in sources):
        return None
    return sources  # type: ignore[return-value]


def as_float_array(data) -> np.ndarray | None:
    """``data`` (a frame, a sparse or dense array) as a float array, or None if it is not
    numeric.

    An object array is read as scikit-learn's models read it (``check_array``: each value as
    a float, ``None`` as NaN): a ``ColumnTransformer`` hands one on whenever a column it
    passes through is not float, a bool column beside numbers most often (``True`` is 1.0).
    Refused, such a pipeline of gradient boosting, histogram boosting, a forest or a linear
    regression went to the exact explainer: a trial team's took 37 s and 131 s to publish,
    against 0.7 s for LightGBM behind the same transformer. Whatever the reading, every row's
    values are still checked against the model's own output.
    """
    if hasattr(data, "toarray"):
        data = data.toarray()
    if isinstance(data, pd.DataFrame):
        try:
            return data.to_numpy(dtype=float, na_value=np.nan)
        except (TypeError, ValueError):
            return None
    array = np.asarray(data)
    if array.dtype.kind not in "fiubO":
        return None
    try:
        return array.astype(float)
    except (TypeError, ValueError):  # words, pd.NA: scikit-learn refuses them too
        return None


def sum_to_sources(values: np.ndarray, sources: list[str], features: list[str]) -> np.ndarray:
    """Sum contributions of transformed columns ``(n, Mz, C)`` into source features."""
    out = np.zeros((values.shape[0], len(features), values.shape[2]))
    position = {feature: i for i, feature in enumerate(features)}
    for j, source in enumerate(sources):
        out[:, position[source], :] += values[:, j, :]
    return out


def explained_outputs(predictions, task: str) -> np.ndarray:
    """``model_outputs`` from what the model returned: ``predict_proba``'s probabilities for a
    classifier, ``predict``'s values for a regressor."""
    array = np.asarray(predictions, dtype=float)
    if task == REGRESSION:
        return array.reshape(len(array), 1)
    return array[:, 1:2] if task == BINARY else array
