"""The exact names of the types, beyond scikit-learn's estimators, that a model file may hold
(``model.persistence.trusted_types`` adds those estimators). Each is a name, never a module
prefix; each was found by saving a fitted model of a family and listing
``skops.io.get_untrusted_types``, and a test loads each family back.
"""

from __future__ import annotations

__all__ = ["BOOSTING_TYPES", "NUMPY_SCIPY_TYPES", "PROJECT_TYPES", "SKLEARN_STATE_TYPES"]

#: Types, beyond scikit-learn's estimators, that fitted scikit-learn models hold (found by
#: saving a fitted model of every family and listing ``skops.io.get_untrusted_types``).
SKLEARN_STATE_TYPES = (
    "sklearn._loss.loss.HalfTweedieLoss",
    "sklearn._loss.loss.HalfTweedieLossIdentity",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.cluster._bisect_k_means._BisectingTree",
    "sklearn.cluster._kmeans._kmeans_single_lloyd",
    "sklearn.compose._column_transformer.make_column_selector",
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
    # the score functions a SelectKBest / SelectPercentile keeps: scikit-learn's own
    "sklearn.feature_selection._mutual_info.mutual_info_classif",
    "sklearn.feature_selection._mutual_info.mutual_info_regression",
    "sklearn.feature_selection._univariate_selection.chi2",
    "sklearn.feature_selection._univariate_selection.f_classif",
    "sklearn.feature_selection._univariate_selection.f_oneway",
    "sklearn.feature_selection._univariate_selection.f_regression",
    "sklearn.feature_selection._univariate_selection.r_regression",
    "sklearn.gaussian_process._gpc._BinaryGaussianProcessClassifierLaplace",
    "sklearn.gaussian_process.kernels.ConstantKernel",
    "sklearn.gaussian_process.kernels.DotProduct",
    "sklearn.gaussian_process.kernels.Matern",
    "sklearn.gaussian_process.kernels.Product",
    "sklearn.gaussian_process.kernels.RBF",
    "sklearn.gaussian_process.kernels.Sum",
    "sklearn.gaussian_process.kernels.WhiteKernel",
    # experimental: all_estimators() lists it only once enable_iterative_imputer is imported
    "sklearn.impute._iterative.IterativeImputer",
    "sklearn.impute._iterative._ImputerTriplet",
    # a fitted hyperparameter search keeps its scorer and CV splitter (publishing keeps only
    # its best model, but the command line loads the search from its file first)
    "sklearn.metrics._classification.accuracy_score",
    "sklearn.metrics._classification.f1_score",
    "sklearn.metrics._classification.log_loss",
    "sklearn.metrics._classification.precision_score",
    "sklearn.metrics._classification.recall_score",
    "sklearn.metrics._ranking.average_precision_score",
    "sklearn.metrics._ranking.roc_auc_score",
    "sklearn.metrics._regression.mean_absolute_error",
    "sklearn.metrics._regression.mean_squared_error",
    "sklearn.metrics._regression.r2_score",
    "sklearn.metrics._regression.root_mean_squared_error",
    "sklearn.metrics._scorer._PassthroughScorer",
    "sklearn.model_selection._search_successive_halving.HalvingGridSearchCV",
    "sklearn.model_selection._search_successive_halving.HalvingRandomSearchCV",
    "sklearn.model_selection._split.GroupKFold",
    "sklearn.model_selection._split.KFold",
    "sklearn.model_selection._split.RepeatedKFold",
    "sklearn.model_selection._split.RepeatedStratifiedKFold",
    "sklearn.model_selection._split.ShuffleSplit",
    "sklearn.model_selection._split.StratifiedGroupKFold",
    "sklearn.model_selection._split.StratifiedKFold",
    "sklearn.model_selection._split.StratifiedShuffleSplit",
    "sklearn.model_selection._split.TimeSeriesSplit",
    "sklearn.metrics._classification.balanced_accuracy_score",
    "sklearn.metrics._dist_metrics.EuclideanDistance64",
    "sklearn.metrics._dist_metrics.ManhattanDistance64",
    "sklearn.metrics._dist_metrics.MinkowskiDistance64",
    "sklearn.metrics._scorer._CurveScorer",
    "sklearn.metrics._scorer._Scorer",
    "sklearn.multiclass._ConstantPredictor",
    "sklearn.neighbors._ball_tree.BallTree",
    "sklearn.neighbors._kd_tree.KDTree",
    "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
    "sklearn.neural_network._stochastic_optimizers.SGDOptimizer",
    "sklearn.tree._tree.Tree",
    "sklearn.utils._bunch.Bunch",
    "sklearn.utils._metadata_requests.MetadataRequest",
    "sklearn.utils._metadata_requests.MethodMetadataRequest",
    # Histogram gradient boosting with categorical features (pandas ``category`` columns,
    # ``categorical_features="from_dtype"``, the default) keeps a preprocessor whose numeric
    # columns go through ``FunctionTransformer(partial(check_array, ...))``. skops builds a
    # partial as ``functools.partial`` itself (never a subclass) from its function, arguments
    # and attributes, each a node checked against this list: a partial can only call a
    # function the list already trusts (a partial of ``eval`` is refused by ``builtins.eval``).
    "functools.partial",
    "sklearn.utils.validation.check_array",
)
#: NumPy and SciPy types that are not arrays, dtypes or ufuncs (skops trusts those itself).
NUMPY_SCIPY_TYPES = (
    "numpy.dtype",
    "numpy.mean",
    "numpy.median",
    "scipy._lib.array_api_compat.numpy._aliases.asarray",
    "scipy.interpolate._bsplines.BSpline",
)
#: This project's own models.
PROJECT_TYPES = (
    "model.boosting.LightGBMTextClassifier",
    "model.boosting.LightGBMTextRegressor",
    "model.features.PhysicsFeatures",
    "model.rules.PhysicsRules",
    "model.rules.ToolWearRule",
)
#: The gradient-boosting libraries' scikit-learn wrappers and boosters, and what they hold.
BOOSTING_TYPES = (
    "catboost.core.CatBoostClassifier",
    "catboost.core.CatBoostRegressor",
    "collections.OrderedDict",
    "lightgbm.basic.Booster",
    "lightgbm.sklearn.LGBMClassifier",
    "lightgbm.sklearn.LGBMRegressor",
    "xgboost.core.Booster",
    "xgboost.sklearn.XGBClassifier",
    "xgboost.sklearn.XGBRegressor",
)
