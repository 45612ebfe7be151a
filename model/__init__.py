"""Sprint Review's model side: workspaces, publishing, metrics, SHAP explanations, the demo.

From a notebook::

    import model
    ws = model.open_workspace("workspace")
    ws.publish(sprint="Sprint 4", name="gbm", estimator=fitted, X=demo_X, y=demo_y, mvp=True)
    ws.explain(sprint="Sprint 4", prototype="gbm", row_id="4711")
"""

import importlib

#: Where each public name lives. They are imported on first use (PEP 562): the demo, the
#: explainers and the rule models import scikit-learn, which takes about a second, and the
#: app's pages, which import this package, only read what publishing stored.
_EXPORTS = {
    "BINARY": "model.metrics",
    "METRICS": "model.metrics",
    "MULTICLASS": "model.metrics",
    "REGRESSION": "model.metrics",
    "TASKS": "model.metrics",
    "ExplanationError": "model.explain",
    "ModelFileError": "model.persistence",
    "PhysicsFeatures": "model.features",
    "PhysicsRules": "model.rules",
    "Prototype": "model.workspace",
    "PublishError": "model.publishing",
    "ToolWearRule": "model.rules",
    "Workspace": "model.workspace",
    "WorkspaceError": "model.workspace",
    "open_workspace": "model.workspace",
}


def __getattr__(name: str):
    if name == "demo":
        return importlib.import_module("model.demo")
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'model' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])


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
