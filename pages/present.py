"""Present: the sprint told as a sequence the presenter steps through, one screen a step.

Headline in counts and money → what changed since the last sprint → what the SMEs flagged and
what is fixed now → one case explained → the bake-off's recommendation and decision. The step,
the prototype and the row are in the URL, so a link opens the same screen.

Each section is a module of ``ui.sections``.
"""

from ui import session
from ui.sections import present_session, present_steps

session.require_app()
story = present_session.start()
try:
    present_steps.SHOW[story.step - 1](story)
finally:  # also when a step stops the page
    present_session.finish(story)
