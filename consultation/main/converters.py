"""URL converters shared by every blueprint."""

from werkzeug.routing import IntegerConverter

# Ids are INTEGER columns: 32 bits on PostgreSQL, and SQLite refuses Python ints beyond 64 bits.
MAX_DATABASE_ID = 2**31 - 1


class DatabaseIdConverter(IntegerConverter):
    """`<int:…>` in every route: an id the database cannot hold is a 404 from routing, not an
    overflow error in the query."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_DATABASE_ID)
        super().__init__(map, *args, **kwargs)
