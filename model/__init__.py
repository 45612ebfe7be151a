"""Sprint Review's model side: workspaces, publishing, metrics, SHAP explanations, the demo.

From a notebook::

    import model
    ws = model.open_workspace("workspace")
    ws.publish(sprint="Sprint 4", name="gbm", estimator=fitted, X=demo_X, y=demo_y, mvp=True)
    ws.explain(sprint="Sprint 4", prototype="gbm", row_id="4711")
"""

from model import demo
from model.explain import ExplanationError
from model.features import PhysicsFeatures
from model.metrics import BINARY, METRICS, MULTICLASS, REGRESSION, TASKS
from model.persistence import ModelFileError
from model.publishing import PublishError
from model.rules import PhysicsRules, ToolWearRule
from model.workspace import Prototype, Workspace, WorkspaceError, open_workspace

__all__ = [
    "BINARY",
    "METRICS",
    "MULTICLASS",
    "REGRESSION",
    "TASKS",
    "ExplanationError",
    "ModelFileError",
    "PhysicsFeatures",
    "PhysicsRules",
    "Prototype",
    "PublishError",
    "ToolWearRule",
    "Workspace",
    "WorkspaceError",
    "demo",
    "open_workspace",
]
