from sqlalchemy import text


def test_both_backends_migrate(db):
    with db.reading() as session:
        assert session.connection().execute(text("SELECT count(*) FROM account")).scalar() == 0
