"""The bake-off as tables in words: the one place the page, its sections and the HTML report
import them from. Each lives in the module of its concern:

- ``ui.bakeoff_comparison``: the decision figures per prototype, the prototypes side by side,
  their models, segments, disagreements, and the metrics and features offered;
- ``ui.bakeoff_money``: costs and the assumptions behind them, what owning each prototype
  costs, what its errors cost, when it pays back, and the formulas of each;
- ``ui.bakeoff_words``: what each metric measures, outcomes in counts, the target's unit;
- ``ui.bakeoff_snapshot``: the figures a decision records, and how they are shown again.
"""

from __future__ import annotations

from ui.bakeoff_comparison import (
    BAKEOFF_METRICS,
    MEASURED_COLUMNS,
    MEGABYTE,
    bakeoff_display,
    bakeoff_metrics,
    comparison_table,
    comparison_view,
    disagreement_view,
    display_table,
    escape_table,
    interval_points,
    model_details,
    optional_number,
    segment_features,
    segment_view,
)
from ui.bakeoff_money import (
    COST_FORMULA_ROWS,
    MAINTENANCE_ROW,
    MONEY_COLUMNS,
    OWNERSHIP_COLUMNS,
    OWNERSHIP_FORMULA_ROWS,
    OWNING_COLUMNS,
    PLAIN_COST_NAMES,
    assumptions_text,
    cost_formulas,
    cost_help,
    costs_view,
    error_cost_text,
    maintenance_text,
    ownership_formulas,
    ownership_help,
    ownership_rows,
    ownership_view,
    rounding_note,
)
from ui.bakeoff_snapshot import decision_snapshot, snapshot_view
from ui.bakeoff_words import METRIC_HELP, binary_confusion, count_table, singular, target_unit

__all__ = [
    "BAKEOFF_METRICS",
    "COST_FORMULA_ROWS",
    "MAINTENANCE_ROW",
    "MEASURED_COLUMNS",
    "MEGABYTE",
    "METRIC_HELP",
    "MONEY_COLUMNS",
    "OWNERSHIP_COLUMNS",
    "OWNERSHIP_FORMULA_ROWS",
    "OWNING_COLUMNS",
    "rounding_note",
    "PLAIN_COST_NAMES",
    "assumptions_text",
    "bakeoff_display",
    "bakeoff_metrics",
    "binary_confusion",
    "comparison_table",
    "comparison_view",
    "cost_formulas",
    "cost_help",
    "costs_view",
    "count_table",
    "decision_snapshot",
    "disagreement_view",
    "display_table",
    "error_cost_text",
    "escape_table",
    "interval_points",
    "maintenance_text",
    "model_details",
    "optional_number",
    "ownership_formulas",
    "ownership_help",
    "ownership_rows",
    "ownership_view",
    "segment_features",
    "segment_view",
    "singular",
    "snapshot_view",
    "target_unit",
]
