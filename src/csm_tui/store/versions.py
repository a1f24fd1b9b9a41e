"""What a database says it is current with, importable without SQLAlchemy: start-up compares
both before the ORM is loaded (`services.first_view`)."""

import hashlib
from datetime import date
from functools import cache
from pathlib import Path

#: The newest revision in migrations/versions; a test keeps it equal to Alembic's head.
HEAD_REVISION = "0015"

#: app_meta keys: the `today` and the rules file the whole schedule was last computed for.
COMPUTED_FOR_KEY = "schedule.computed_for"
RULES_SHA256_KEY = "schedule.rules_sha256"
#: app_meta key: the day and the schedule stamp the queue's ranks were written for (`store.ranks`).
RANKED_FOR_KEY = "queue.ranked_for"


def ranked_for(day: date, stamp: str) -> str:
    """The value of `RANKED_FOR_KEY` for ranks of `day`'s queue under this schedule stamp."""
    return f"{day.isoformat()} {stamp}"


def schedule_stamp(rules_sha256: str) -> str:
    """What a stored schedule was computed with: the rules file (by its hash) and the code that
    turns facts into plans (by the hash of its sources: the engine in `csm_tui.domain`, and
    what reads its facts and keeps its plans). A csm-tui whose code may decide otherwise
    therefore decides every account again, as a new rules file does, instead of keeping plans
    made by the old code until they run out."""
    return f"{rules_sha256}+{_planner_sha256()[:16]}"


@cache
def _planner_sha256() -> str:
    package = Path(__file__).resolve().parents[1]
    sources = [
        *sorted((package / "domain").glob("*.py")),
        package / "store" / "facts.py",
        package / "store" / "recompute.py",
        package / "store" / "raw.py",
    ]
    digest = hashlib.sha256()
    for source in sources:
        if source.is_file():
            digest.update(source.name.encode())
            digest.update(source.read_bytes())
    if not any(source.is_file() for source in sources):  # shipped without sources: the version
        import csm_tui

        digest.update(csm_tui.__version__.encode())
    return digest.hexdigest()
