# The full-text index of proposals (proposals.search) and the session's publication delay.

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations, models

import proposals.search


class Migration(migrations.Migration):
    dependencies = [
        ("proposals", "0008_feedback_rehandling_closing"),
    ]

    operations = [
        migrations.RunSQL(proposals.search.SQL_FUNCTIONS, proposals.search.DROP_SQL_FUNCTIONS),
        migrations.AddField(
            model_name="proposal",
            name="search_vector",
            field=models.GeneratedField(
                db_persist=True,
                expression=proposals.search.SearchDocument("body", "search_text"),
                output_field=django.contrib.postgres.search.SearchVectorField(),
            ),
        ),
        migrations.AddField(
            model_name="session",
            name="auto_publish_workdays",
            field=models.PositiveSmallIntegerField(
                default=0,
                help_text="标注公开的答复签发后满多少个工作日在公开平台自动发布；0 表示签发即发布。",
                verbose_name="签发后自动公开（工作日）",
            ),
        ),
        migrations.AddIndex(
            model_name="proposal",
            index=django.contrib.postgres.indexes.GinIndex(fields=["search_vector"], name="proposal_search_vector"),
        ),
    ]
