"""The cached loaders every page shares: the workspace's and the feedback store's data.

Pages and sections call them here, as ``cached.<name>``; each lives in the module of its
concern:

- ``ui.cached_prototype``: a prototype's demo rows, a page of its predictions, one row, its
  explanations and chart specs;
- ``ui.cached_review``: the SME review's queue and "try your own case";
- ``ui.cached_workspace``: the workspace's stamp, the summary across sprints and the
  Overview's chart;
- ``ui.cached_bakeoff``: the bake-off's figures, costs, recommendation and outcomes, and its
  warm-up;
- ``ui.cached_feedback``: the verdict store, its stamp, the verdicts' figures, the training
  export, the follow-up of flagged cases (decided at each binary model's cheapest cut-off,
  ``ui.case_cutoff``) and the Overview's warm-up, which reads them all.

Every loader is a thin wrapper over a ``Workspace`` or ``FeedbackStore`` method, keyed by the
workspace path (so a cache never serves one workspace's data to another, which matters when
cached data outlive one ``AppTest``), the sprint, the prototype and its ``content_id``
(``Prototype.content_id``: every publish gets a new one, so no key repeats for different
content, not even in a workspace rebuilt or restored at the same path), or by a stamp of what
they read. Reruns then read each parquet file once.
"""

from __future__ import annotations

from ui.cached_bakeoff import (
    bakeoff,
    bakeoff_figures,
    comparison,
    pareto_spec,
    recommendation,
    segments,
    sprint_costs,
    sprint_outcomes,
    warm_up_bakeoff,
)
from ui.cached_feedback import (
    TrainingRequest,
    agreement,
    conflicts,
    dispute_spec,
    followup,
    own_case_names,
    pairwise_agreement,
    resolved_labels,
    reviewer_verdicts,
    store,
    training_export,
    training_file,
    training_manifest,
    verdict_outline,
    verdict_selection,
    verdict_tags,
    verdicts_stamp,
    warm_up_overview,
)
from ui.cached_prototype import (
    demo_row_ids,
    dependence_spec,
    explanation,
    feature_percentiles,
    importance_spec,
    metrics_on_shared_rows,
    outcome_summary,
    outcomes_on_shared_rows,
    prediction_page,
    prediction_row,
    predictions_outline,
    row_words,
    waterfall_spec,
)
from ui.cached_review import (
    input_schema,
    own_case,
    own_case_percentiles,
    own_case_waterfall_spec,
    review_queue,
    what_if_spec,
)
from ui.cached_workspace import (
    headline_spec,
    own_rows_note,
    republished_lines,
    summary,
    workspace_stamp,
)

__all__ = [
    "agreement",
    "bakeoff",
    "bakeoff_figures",
    "comparison",
    "conflicts",
    "demo_row_ids",
    "dependence_spec",
    "dispute_spec",
    "explanation",
    "feature_percentiles",
    "followup",
    "headline_spec",
    "importance_spec",
    "metrics_on_shared_rows",
    "input_schema",
    "outcome_summary",
    "outcomes_on_shared_rows",
    "own_rows_note",
    "own_case",
    "own_case_names",
    "own_case_percentiles",
    "own_case_waterfall_spec",
    "pairwise_agreement",
    "pareto_spec",
    "prediction_page",
    "prediction_row",
    "predictions_outline",
    "recommendation",
    "republished_lines",
    "resolved_labels",
    "review_queue",
    "reviewer_verdicts",
    "row_words",
    "segments",
    "sprint_costs",
    "sprint_outcomes",
    "store",
    "summary",
    "TrainingRequest",
    "training_export",
    "training_file",
    "training_manifest",
    "verdict_outline",
    "verdict_selection",
    "verdict_tags",
    "verdicts_stamp",
    "warm_up_bakeoff",
    "warm_up_overview",
    "waterfall_spec",
    "what_if_spec",
    "workspace_stamp",
]
