"""Section g: every page opened in a real browser on a freshly started server.

Section d times the pages with AppTest in the process that built the workspace, where shap,
scikit-learn and the rest are already imported. Here each page gets its own new
``streamlit run app.py`` and headless Chromium opens it as a user does: the first visit shows
the Overview (a deep link to another page on a fresh server lands there too), then the page is
opened from the sidebar, once at once and once, on another new server, after a pause on the
Overview; then it is rerun (the "r" key) a few times, warm.

"No spinner longer than a rerun" is judged on what the browser shows. A spinner is
Streamlit's "Running..." icon (``stStatusWidgetRunningIcon``, shown once a run has lasted
0.5 s) or an ``st.spinner`` / cached function's spinner (``stSpinner``, also after 0.5 s).
A MutationObserver added before the page loads stamps every change of the app's script state
(``data-test-script-state`` on ``stApp``), of stale elements and of those two spinners, with
``performance.now()``. A page counts as open once a run has started after the click, the
script state is back to ``notRunning``, the page's own title is shown, nothing is stale and
nothing has changed for a second; its time is from the click to the last change of the script
state or of stale elements.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from pathlib import Path

from bench.browser_server import CHROMIUM, CHROMIUM_ARGS, streamlit_server
from bench.page import PAGE_NAMES, PAGES, REVIEWER, build_pages_workspace
from bench.report import Row

__all__ = ["Visit", "bench_browser", "spinner_intervals"]

SECTION = "g browser"
#: The start of each page's title: what tells that page's own content is shown.
TITLES = {
    "overview": "Sprint Review",
    "sprint_demo": "Sprint demo: ",
    "bake_off": "Bake-off: ",
    "sme_review": "SME review",
    "feedback": "Feedback",
}
#: The spinners, by ``data-testid``, with what the notes call them.
SPINNERS = {"stStatusWidgetRunningIcon": "Running icon", "stSpinner": "st.spinner"}
VIEWPORT = {"width": 1280, "height": 720}
TIMEOUT_MS = 300_000


@dataclass(frozen=True)
class Pacing:
    """How long a reader stays: ``pause`` seconds on the Overview before opening the page,
    ``warm`` seconds on the page before its reruns (its background work, the bake-off's
    bootstrap, done), and ``quiet_ms`` with nothing changing before a page counts as open
    (the first visit runs the script twice, a few hundred milliseconds apart)."""

    pause: float = 5.0
    warm: float = 5.0
    quiet_ms: float = 1_000


QUICK_PACING = Pacing(pause=1.0, warm=1.0, quiet_ms=500)

#: Added to every page before it loads: ``window.__bench.events`` is a list of
#: ``[performance.now(), what, detail]``: ``state`` (the script state), ``stale``, each of
#: ``SPINNERS`` and ``stStatusWidget`` (``on`` / ``off``), and ``input`` (a click or a key).
OBSERVER_JS = """
(() => {
  const watched = {
    stStatusWidget: '[data-testid="stStatusWidget"]',
    stStatusWidgetRunningIcon: '[data-testid="stStatusWidgetRunningIcon"]',
    stSpinner: '[data-testid="stSpinner"]',
    stale: '[data-stale="true"]',
  };
  const bench = (window.__bench = { events: [], shown: {}, state: null, title: null });
  const check = (records) => {
    const now = performance.now();
    // A short run on a busy machine can go running -> notRunning between two callbacks: the
    // attribute's old values in this callback's records still show the run.
    for (const record of records || []) {
      const old = record.attributeName === "data-test-script-state" ? record.oldValue : null;
      if (old && old !== "notRunning" && old !== bench.state) {
        bench.events.push([now, "state", old]);
        bench.state = old;
      }
    }
    const app = document.querySelector('[data-testid="stApp"]');
    const state = app ? app.getAttribute("data-test-script-state") : null;
    if (state !== bench.state) {
      bench.events.push([now, "state", state]);
      bench.state = state;
    }
    // A new page's title is a sign that a run happened too.
    const heading = document.querySelector('[data-testid="stMain"] h1');
    const title = heading ? heading.textContent.trim() : null;
    if (title !== bench.title) {
      bench.events.push([now, "title", title]);
      bench.title = title;
    }
    for (const [what, selector] of Object.entries(watched)) {
      const shown = document.querySelector(selector) !== null;
      if (shown !== Boolean(bench.shown[what])) {
        bench.events.push([now, what, shown ? "on" : "off"]);
        bench.shown[what] = shown;
      }
    }
  };
  const input = (detail) => () => bench.events.push([performance.now(), "input", detail]);
  document.addEventListener("click", input("click"), true);
  document.addEventListener("keydown", (event) => input("key " + event.key)(), true);
  new MutationObserver(check).observe(document, {
    subtree: true, childList: true, attributes: true, attributeOldValue: true,
    characterData: false,
  });
})();
"""
#: True once the page is open: see the module's docstring.
OPEN_JS = """
([since, title, quietMs]) => {
  const bench = window.__bench;
  if (!bench || bench.state !== "notRunning") return false;
  const started = bench.events.some(([at, what, detail]) => at >= since
    && ((what === "state" && detail !== "notRunning") || (what === "stale" && detail === "on")
        || (what === "title" && detail && detail.startsWith(title))));
  if (!started) return false;
  const busy = '[data-stale="true"], [data-testid="stStatusWidget"], [data-testid="stSpinner"]';
  if (document.querySelector(busy)) return false;
  const titles = Array.from(document.querySelectorAll('[data-testid="stMain"] h1'));
  if (!titles.some((h) => h.textContent.trim().startsWith(title))) return false;
  const changes = bench.events.filter(([, what]) => what !== "input");
  return performance.now() - changes[changes.length - 1][0] >= quietMs;
}
"""


@dataclass
class Visit:
    """A page opened or rerun in the browser: seconds from the click (or key, or navigation)
    to the end of the run, the milliseconds a spinner was shown, each spinner's
    ``(testid, from, to)`` in seconds after the click, and when the first run started (for
    the first visit: once the page has loaded and connected)."""

    seconds: float
    spinner_ms: float
    spinners: list[tuple[str, float, float]]
    run_started: float = 0.0

    def describe(self, testids: bool = False) -> str:
        """``2.13 s, spinner 1620 ms (Running icon 0.51-2.13 s)``, or ``0.41 s, no spinner``;
        with ``testids``, each spinner by its ``data-testid``."""
        if not self.spinners:
            return f"{self.seconds:.2f} s, no spinner"
        shown = ", ".join(
            f"{what if testids else SPINNERS[what]} {start:.2f}-{end:.2f} s"
            for what, start, end in self.spinners
        )
        return f"{self.seconds:.2f} s, spinner {self.spinner_ms:.0f} ms ({shown})"


def spinner_intervals(
    events: list[list], since: float, until: float
) -> tuple[float, list[tuple[str, float, float]]]:
    """From the observer's events, the milliseconds during which any spinner was shown
    between ``since`` and ``until`` (two at once count once), and each spinner's interval,
    clipped to that span, in seconds after ``since``."""
    shown: dict[str, float] = {}
    spans: list[tuple[str, float, float]] = []
    for at, what, detail in sorted(events, key=lambda event: event[0]):
        if what not in SPINNERS:
            continue
        if detail == "on":
            shown.setdefault(what, at)
        elif what in shown:
            spans.append((what, shown.pop(what), at))
    spans += [(what, start, until) for what, start in shown.items()]  # still shown
    clipped = sorted(
        (what, max(start, since), min(end, until))
        for what, start, end in spans
        if end > since and start < until
    )
    total, covered_to = 0.0, since
    for _, start, end in sorted(clipped, key=lambda span: span[1]):
        total += max(0.0, end - max(start, covered_to))
        covered_to = max(covered_to, end)
    intervals = [
        (what, (start - since) / 1000, (end - since) / 1000) for what, start, end in clipped
    ]
    return total, sorted(intervals, key=lambda interval: interval[1])


class _Tab:
    """A browser tab on the app, with the observer in it."""

    def __init__(self, page, quiet_ms: float) -> None:
        self.page = page
        self.quiet_ms = quiet_ms

    def now(self) -> float:
        """The tab's ``performance.now()``: milliseconds since the page was loaded."""
        return self.page.evaluate("performance.now()")

    def wait_until_open(self, since: float, title: str) -> Visit:
        """Wait until a run started after ``since`` (tab time) has finished with the page
        titled ``title`` shown; the visit from the first click or key after ``since``."""
        arg = [since, title, self.quiet_ms]
        self.page.wait_for_function(OPEN_JS, arg=arg, timeout=TIMEOUT_MS)
        events, now = self.page.evaluate("[window.__bench.events, performance.now()]")
        if self.page.locator('[data-testid="stException"]').count():
            raise RuntimeError(f"the page titled {title!r} shows an exception")
        inputs = [at for at, what, _ in events if what == "input" and at >= since]
        start = inputs[0] if inputs else since
        ended = max(at for at, what, _ in events if what in ("state", "stale", "title"))
        runs = [at for at, what, detail in events if what == "state" and detail == "running"]
        started = next((at for at in runs if at >= start), start)
        spinner_ms, spinners = spinner_intervals(events, start, now)
        return Visit((ended - start) / 1000, spinner_ms, spinners, (started - start) / 1000)

    def first_visit(self, url: str) -> Visit:
        """The app's URL opened: the Overview, from navigation start."""
        self.page.goto(url)
        return self.wait_until_open(0.0, TITLES["overview"])

    def enter_name(self) -> None:
        """The reviewer's name typed in the sidebar (the SME review asks for it)."""
        name = self.page.get_by_role("textbox", name="Your name")
        # Before the typing: a busy browser may send the value (and Streamlit start its run)
        # before the key press, and a run that started earlier would never count as one.
        since = self.now()
        name.fill(REVIEWER)
        name.press("Enter")
        self.wait_until_open(since, TITLES["overview"])

    def open_from_sidebar(self, key: str) -> Visit:
        """Page ``key`` opened from the sidebar's navigation, as a reader does."""
        since = self.now()
        nav = self.page.get_by_test_id("stSidebar")  # the pages' links (st.page_link)
        nav.get_by_role("link", name=PAGE_NAMES[key], exact=True).first.click()
        visit = self.wait_until_open(since, TITLES[key])
        if key == "sme_review" and self.page.get_by_text("Enter your name").count():
            raise RuntimeError("the SME review asks for a name although one was entered")
        return visit

    def rerun(self, key: str) -> Visit:
        """Streamlit's rerun key, "r": a plain rerun, ignored while a run is under way or
        while a text box has the focus (hence the blur)."""
        self.page.evaluate("document.activeElement && document.activeElement.blur()")
        since = self.now()
        self.page.keyboard.press("r")
        return self.wait_until_open(since, TITLES[key])


@dataclass
class Session:
    """One fresh server: its first visit (the Overview), the page opened, its warm reruns."""

    first_visit: Visit
    opened: Visit
    reruns: list[Visit]

    @property
    def rerun_seconds(self) -> float:
        return statistics.median(visit.seconds for visit in self.reruns)

    @property
    def rerun_spinner_ms(self) -> float:
        return statistics.median(visit.spinner_ms for visit in self.reruns)


def _session(browser, workspace: Path, log_path: Path, key: str, pause: float,
             pacing: Pacing, repeats: int) -> Session:  # fmt: skip
    """A new server; the Overview; ``pause`` seconds; page ``key`` from the sidebar;
    ``pacing.warm`` seconds; ``repeats`` reruns."""
    with streamlit_server(workspace, log_path, timeout=120) as url:
        context = browser.new_context(viewport=VIEWPORT)
        try:
            page = context.new_page()
            page.add_init_script(OBSERVER_JS)
            tab = _Tab(page, pacing.quiet_ms)
            first_visit = tab.first_visit(url)
            if key == "sme_review":
                tab.enter_name()
            time.sleep(pause)
            opened = first_visit if key == "overview" else tab.open_from_sidebar(key)
            time.sleep(pacing.warm)
            reruns = [tab.rerun(key) for _ in range(max(1, repeats))]
        finally:
            context.close()
    return Session(first_visit, opened, reruns)


def _rows(key: str, how: str, session: Session, n: int) -> list[Row]:
    page = PAGE_NAMES[key]
    reruns = "; ".join(visit.describe() for visit in session.reruns)
    spinner_goal = (
        "goal: no spinner longer than the warm rerun's (first open − rerun ≤ 0 ms); a "
        "spinner is the Running... icon or an st.spinner, each shown after a run or call "
        "has lasted 0.5 s; "
    )
    if key == "sme_review":
        spinner_goal += "the reviewer's name was entered on the Overview first; "
    return [
        Row(
            SECTION,
            f"{page}: {how}, time to content, {n:,} rows",
            session.opened.seconds,
            session.rerun_seconds,
            "s",
            None,
            "from the click (the first visit: from navigation start) to the end of the run, "
            "title shown, nothing stale; the first run started "
            f"{session.opened.run_started:.2f} s after it; baseline: median warm rerun "
            '("r") on the same server',
        ),
        Row(
            SECTION,
            f"{page}: {how}, spinner shown, {n:,} rows",
            session.opened.spinner_ms,
            session.rerun_spinner_ms,
            "ms",
            ("<=", 0.0),
            f"{spinner_goal}opened {session.opened.describe()}; reruns {reruns}",
            compare="difference",
        ),
    ]


def _server_pid(url: str) -> int:
    """The process of the ``streamlit run`` serving ``url`` (found by its ``--server.port``)."""
    port = url.rsplit(":", 1)[1]
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        flag = b"--server.port"
        if b"streamlit" in argv and flag in argv and argv[argv.index(flag) + 1].decode() == port:
            return int(proc.name)
    raise RuntimeError(f"no streamlit process serves {url}")


def _memory_kb(pid: int) -> dict[str, int]:
    """``VmRSS`` (resident now) and ``VmHWM`` (its peak so far) of process ``pid``, in kB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0])
    return fields


def _sprint_arrays_bytes(workspace: Path) -> tuple[str, int]:
    """The sprint the pages open on (the latest) and the in-memory size of its prototypes'
    predictions, features and SHAP values."""
    from model.workspace import open_workspace

    ws = open_workspace(workspace, create=False)
    sprint = ws.sprints()[-1]
    size = 0
    for name in ws.prototypes(sprint):
        proto = ws.prototype(sprint, name)
        for frame in (proto.predictions(), proto.features(), proto.shap_values()):
            size += int(frame.memory_usage(deep=True).sum())
    return sprint, size


def _server_memory(browser, workspace: Path, log_path: Path, pacing: Pacing, n: int) -> Row:
    """Issue 6's "peak memory of the server serving a 100k-row sprint vs the size of its
    arrays": one fresh server, every page opened in turn (each given ``pacing.warm`` seconds
    for its background work), its peak RSS above its RSS once started."""
    with streamlit_server(workspace, log_path, timeout=120) as url:
        pid = _server_pid(url)
        time.sleep(pacing.warm)  # the start-up warm-up of the Overview
        started = _memory_kb(pid)["VmRSS"]
        context = browser.new_context(viewport=VIEWPORT)
        try:
            page = context.new_page()
            page.add_init_script(OBSERVER_JS)
            tab = _Tab(page, pacing.quiet_ms)
            tab.first_visit(url)
            tab.enter_name()
            for key in PAGES[1:]:
                tab.open_from_sidebar(key)
                time.sleep(pacing.warm)
        finally:
            context.close()
        peak = _memory_kb(pid)["VmHWM"]
    sprint, arrays = _sprint_arrays_bytes(workspace)
    return Row(
        "e memory",
        f"server serving a {n:,}-row sprint, every page opened: peak RSS vs arrays",
        (peak - started) * 1024 / 1e6,
        arrays / 1e6,
        "MB",
        None,
        f"arrays: {sprint}'s predictions, features and SHAP values in memory, every prototype; "
        f"peak: the server's RSS peak ({peak / 1024:,.0f} MiB) above its RSS once started and "
        f"warmed up ({started / 1024:,.0f} MiB: Python, Streamlit, pandas, the app's modules)",
    )


def _workspace(workdir: Path, n: int, quick: bool, log) -> Path:
    """Section d's workspace of ``n`` rows if this run built it, otherwise a new one."""
    workspace = workdir / f"pages-{n}"
    if not (workspace / "workspace.json").exists():
        log(f"  building a workspace of {n:,} rows")
        built = build_pages_workspace(workspace, n, quick)
        log(f"  built in {built:.0f} s")
    return workspace


def bench_browser(n: int, repeats: int, workdir: Path, quick: bool = False, log=print) -> list[Row]:
    """Each page's first open in Chromium on a fresh server, at once after the Overview and
    after a pause on it, against its warm rerun: time to content and spinner shown; and the
    peak memory of a server serving the sprint with every page opened."""
    if not Path(CHROMIUM).exists():
        note = (
            f"skipped: no Chromium at {CHROMIUM}; install Debian's package (apt-get install "
            "chromium): the benchmark never downloads a browser"
        )
        return [Row(SECTION, "every page in a real browser", None, None, "s", None, note)]
    from playwright.sync_api import sync_playwright

    workspace = _workspace(workdir, n, quick, log)
    pacing = QUICK_PACING if quick else Pacing()
    logs = workdir / "browser-logs"
    logs.mkdir(exist_ok=True)
    rows: list[Row] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            for key in PAGES:
                plans = [("first visit", 0.0)] if key == "overview" else [
                    ("at once after the Overview", 0.0),
                    (f"{pacing.pause:.0f} s after the Overview", pacing.pause),
                ]  # fmt: skip
                for how, pause in plans:
                    log_path = logs / f"{key}-{pause:.0f}.log"
                    session = _session(browser, workspace, log_path, key, pause, pacing, repeats)
                    reruns = "; ".join(visit.describe(testids=True) for visit in session.reruns)
                    log(f"  {key}, {how}: first visit {session.first_visit.describe(True)}; "
                        f"opened {session.opened.describe(True)}; reruns {reruns}")  # fmt: skip
                    rows += _rows(key, how, session, n)
            memory = _server_memory(browser, workspace, logs / "memory.log", pacing, n)
            log(f"  server memory: +{memory.ours:.0f} MB, arrays {memory.baseline:.0f} MB")
            rows.append(memory)
        finally:
            browser.close()
    return rows
