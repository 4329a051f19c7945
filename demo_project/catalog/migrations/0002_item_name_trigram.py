"""A trigram index for the item search, on PostgreSQL only.

``name__icontains`` compiles to ``UPPER("name"::text) LIKE UPPER('%lamp%')`` on
PostgreSQL, so the index is on that expression, ``UPPER(name)``, with pg_trgm's
``gin_trgm_ops``: a trigram index on the bare column would not match what Django writes.
(In a model's ``Meta.indexes`` this is ``GinIndex(OpClass(Upper("name"),
name="gin_trgm_ops"))``, which needs ``django.contrib.postgres`` installed and a
PostgreSQL database; the SQL below is the same index, created only there.)
SQLite has neither GIN nor pg_trgm: there both operations do nothing.
"""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

CREATE = "CREATE INDEX item_name_trgm_idx ON catalog_item USING gin (UPPER(name) gin_trgm_ops)"
DROP = "DROP INDEX item_name_trgm_idx"


def on_postgresql(sql):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [
        TrigramExtension(),  # CREATE EXTENSION pg_trgm; does nothing on other databases
        migrations.RunPython(on_postgresql(CREATE), on_postgresql(DROP), elidable=False),
    ]
