"""The only package that speaks SQL: engines, migrations, queries and the units of work."""
