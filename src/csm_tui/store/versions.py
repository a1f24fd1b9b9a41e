"""What a database says it is current with, importable without SQLAlchemy: start-up compares
both before the ORM is loaded (`services.first_view`)."""

#: The newest revision in migrations/versions; a test keeps it equal to Alembic's head.
HEAD_REVISION = "0004"

#: app_meta keys: the `today` and the rules file the whole schedule was last computed for.
COMPUTED_FOR_KEY = "schedule.computed_for"
RULES_SHA256_KEY = "schedule.rules_sha256"
