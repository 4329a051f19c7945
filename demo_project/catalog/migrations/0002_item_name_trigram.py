"""A trigram index for the item search, on PostgreSQL only.

``name__icontains`` compiles to ``UPPER("name"::text) LIKE UPPER('%lamp%')`` on
PostgreSQL, so the index is on that expression, ``UPPER(name)``, with pg_trgm's
``gin_trgm_ops``: a trigram index on the bare column would not match what Django writes.
(In a model's ``Meta.indexes`` this is ``GinIndex(OpClass(Upper("name"),
name="gin_trgm_ops"))``, which needs ``django.contrib.postgres`` installed and a
PostgreSQL database; the SQL below is the same index, created only there.)
The extension is plain SQL too: ``django.contrib.postgres.operations.TrigramExtension``
would import PostgreSQL's driver on every database, and SQLite needs none.
SQLite has neither GIN nor pg_trgm: there the operation does nothing.
"""

from django.db import migrations

CREATE = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX item_name_trgm_idx ON catalog_item USING gin (UPPER(name) gin_trgm_ops)",
)
DROP = ("DROP INDEX item_name_trgm_idx", "DROP EXTENSION IF EXISTS pg_trgm")


def on_postgresql(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for sql in statements:
                schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [
        migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP), elidable=False),
    ]
