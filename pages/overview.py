"""Overview: every sprint's MVP, its headline metric over time, decisions and verdict counts.

Each section is a function of ``ui.sections.overview``.
"""

from ui import cached, session
from ui.sections import overview

session.require_app()
ws = session.workspace()
path = str(ws.path)
sprints = ws.sprints()
stamp = cached.workspace_stamp(ws)
summary = cached.summary(path, stamp)
store = cached.store(path)
counts = {sprint: store.counts(sprint) for sprint in sprints}
total = store.counts()

overview.header(sprints, summary, total)
overview.headline_and_verdicts(path, stamp, summary, total, sprints)
overview.outcomes(ws, sprints)
overview.sprints_table(ws, summary, counts, stamp)
overview.latest_followup(ws, path, sprints)
overview.decisions(ws, sprints, stamp)

# The Bake-off page's bootstrap takes seconds on a large demo set: start it while people read.
chosen = session.sprint()
cached.warm_up_bakeoff(ws, chosen, tuple(entry for entry in stamp if entry[0] == chosen))
