"""store.later.WriteBehind: rows kept for the end of a transaction, written one statement per kind."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import Column, Connection, Integer, MetaData, String, Table, bindparam, create_engine, insert, select, update

from store.later import WriteBehind

metadata = MetaData()
rows = Table("rows", metadata, Column("id", Integer, primary_key=True), Column("about", Integer), Column("says", String))
INSERT = insert(rows)
SAY = update(rows).where(rows.c.id == bindparam("row_id")).values(says=bindparam("new_says"))


def table_after(steps: Callable[[Connection], None]) -> list[tuple[int, int, str]]:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as connection:
        steps(connection)
        return [(r.id, r.about, r.says) for r in connection.execute(select(rows).order_by(rows.c.id))]


def test_kept_rows_are_written_at_the_flush_in_the_order_first_added_and_an_undo_forgets_the_rest() -> None:
    def steps(connection: Connection) -> None:
        kept = WriteBehind()
        kept.add(INSERT, [{"id": 1, "about": 7, "says": "a"}, {"id": 2, "about": 8, "says": "b"}])
        assert connection.execute(select(rows)).all() == []  # nothing written yet
        mark = kept.mark()
        kept.add(INSERT, {"id": 3, "about": 7, "says": "refused"})
        kept.add(SAY, {"row_id": 1, "new_says": "refused too"})
        assert [r["id"] for r in kept.pending(INSERT)] == [1, 2, 3]
        kept.undo(mark)  # the savepoint these were added in was rolled back
        assert [r["id"] for r in kept.pending(INSERT)] == [1, 2] and kept.pending(SAY) == []
        kept.add(SAY, {"row_id": 2, "new_says": "b2"})
        kept.flush(connection)
        assert kept.pending(INSERT) == []

    assert table_after(steps) == [(1, 7, "a"), (2, 8, "b2")]
