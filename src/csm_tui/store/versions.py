"""What a database says it is current with, importable without SQLAlchemy: start-up compares
both before the ORM is loaded (`services.first_view`)."""

import hashlib
from functools import cache
from pathlib import Path

#: The newest revision in migrations/versions; a test keeps it equal to Alembic's head.
HEAD_REVISION = "0004"

#: app_meta keys: the `today` and the rules file the whole schedule was last computed for.
COMPUTED_FOR_KEY = "schedule.computed_for"
RULES_SHA256_KEY = "schedule.rules_sha256"


def schedule_stamp(rules_sha256: str) -> str:
    """What a stored schedule was computed with: the rules file (by its hash) and the engine's
    code (by the hash of `csm_tui.domain`'s sources). A new csm-tui whose engine may decide
    otherwise therefore decides every account again, as a new rules file does, instead of
    keeping plans the old engine made until they run out."""
    return f"{rules_sha256}+{_engine_sha256()[:16]}"


@cache
def _engine_sha256() -> str:
    digest = hashlib.sha256()
    for source in sorted((Path(__file__).resolve().parents[1] / "domain").glob("*.py")):
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()
