from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    """pg_trgm serves similarity and substring search over Chinese titles and texts.
    It is a trusted extension (PostgreSQL 13+), so the database owner may create it."""

    initial = True
    dependencies = []

    operations = [TrigramExtension()]
