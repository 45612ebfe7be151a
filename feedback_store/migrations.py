"""Schema of ``feedback.db``, as an ordered set of sqlite-utils migrations.

Each step runs once, inside a transaction, and is recorded by name in the
``_sqlite_migrations`` table. Never edit or reorder a step that has shipped:
add a new one, so that every user's older ``feedback.db`` upgrades on open.
"""

from __future__ import annotations

from sqlite_utils import Database, Migrations

migrations = Migrations("feedback_store")


@migrations()
def m001_create_verdicts(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE verdicts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            sprint TEXT NOT NULL,
            prototype TEXT NOT NULL,
            row_id TEXT NOT NULL,
            created_by TEXT NOT NULL,
            created_at TEXT NOT NULL,
            UNIQUE (sprint, prototype, row_id, created_by)
        )
        """
    )
    db.execute(
        """
        CREATE TABLE verdict_versions (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            verdict_id INTEGER NOT NULL REFERENCES verdicts(id),
            version INTEGER NOT NULL,
            reviewer TEXT NOT NULL,
            verdict TEXT NOT NULL
                CHECK (verdict IN ('correct', 'wrong', 'unsure', 'withdrawn')),
            corrected_label TEXT,
            comment TEXT NOT NULL DEFAULT '',
            tags TEXT NOT NULL DEFAULT '[]',
            key TEXT UNIQUE,
            recorded_at TEXT NOT NULL,
            UNIQUE (verdict_id, version)
        )
        """
    )
    # Verdicts are the users' work: the database itself refuses to rewrite them.
    for table in ("verdicts", "verdict_versions"):
        for action in ("UPDATE", "DELETE"):
            db.execute(
                f"""
                CREATE TRIGGER {table}_no_{action.lower()}
                BEFORE {action} ON {table}
                BEGIN
                    SELECT RAISE(ABORT, '{table} is append-only');
                END
                """
            )


@migrations()
def m002_add_snapshots(db: Database) -> None:
    db.execute("ALTER TABLE verdict_versions ADD COLUMN features TEXT")
    db.execute("ALTER TABLE verdict_versions ADD COLUMN prediction TEXT")
    db.execute(
        "ALTER TABLE verdict_versions ADD COLUMN task TEXT"
        " CHECK (task IN ('binary', 'multiclass', 'regression'))"
    )


@migrations()
def m003_add_verdict_source(db: Database) -> None:
    # On the thread, not the version: whether a row is a demo row or an SME's own case is a
    # property of the row, and every version of a verdict is about the same row.
    db.execute(
        "ALTER TABLE verdicts ADD COLUMN source TEXT NOT NULL DEFAULT 'demo'"
        " CHECK (source IN ('demo', 'own'))"
    )


@migrations()
def m004_create_disputes(db: Database) -> None:
    db.execute(
        """
        CREATE TABLE disputes (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            sprint TEXT NOT NULL,
            prototype TEXT NOT NULL,
            row_id TEXT NOT NULL,
            reviewer TEXT NOT NULL,
            feature TEXT NOT NULL,
            kind TEXT NOT NULL
                CHECK (kind IN ('should not matter', 'wrong direction', 'too strong')),
            shap_value REAL NOT NULL,
            comment TEXT NOT NULL DEFAULT '',
            key TEXT UNIQUE,
            recorded_at TEXT NOT NULL
        )
        """
    )
    db.execute("CREATE INDEX disputes_by_prototype ON disputes (sprint, prototype)")
    for action in ("UPDATE", "DELETE"):
        db.execute(
            f"""
            CREATE TRIGGER disputes_no_{action.lower()}
            BEFORE {action} ON disputes
            BEGIN
                SELECT RAISE(ABORT, 'disputes is append-only');
            END
            """
        )


@migrations()
def m005_add_prototype_version(db: Database) -> None:
    # The prototype version (and its content id) that was on screen when the SME judged it.
    # Rows written before this step have NULL: the version they judged is unknown.
    for table in ("verdict_versions", "disputes"):
        db.execute(
            f"ALTER TABLE {table} ADD COLUMN prototype_version INTEGER"
            " CHECK (prototype_version IS NULL OR prototype_version >= 1)"
        )
        db.execute(f"ALTER TABLE {table} ADD COLUMN prototype_content TEXT")
