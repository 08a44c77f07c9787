# What the portal may search of summary and title-only replies (replies.publication.public_text).

import django.contrib.postgres.indexes
import django.contrib.postgres.search
from django.db import migrations, models

import proposals.search


def backfill(apps, schema_editor):
    Reply = apps.get_model("replies", "Reply")
    signed = Reply.objects.filter(disclosure__in=("summary", "title_only")).select_related(
        "signed_version", "assignment__proposal"
    )
    for reply in signed:
        content = reply.signed_version.content
        parts = [reply.assignment.proposal.title, content.get("title", "")]
        if reply.disclosure == "summary":
            parts.append(content.get("summary", ""))
        reply.public_text = "\n".join(parts)
        reply.save(update_fields=["public_text"])


class Migration(migrations.Migration):
    dependencies = [
        ("replies", "0008_search_document"),
    ]

    operations = [
        migrations.AddField(
            model_name="reply",
            name="public_text",
            field=models.TextField(default="", editable=False),
        ),
        migrations.AddField(
            model_name="reply",
            name="public_document",
            field=models.GeneratedField(
                db_persist=True,
                expression=proposals.search.NormalizedDocument("public_text"),
                output_field=models.TextField(),
            ),
        ),
        migrations.AddField(
            model_name="reply",
            name="public_vector",
            field=models.GeneratedField(
                db_persist=True,
                expression=proposals.search.SearchDocument("public_text"),
                output_field=django.contrib.postgres.search.SearchVectorField(),
            ),
        ),
        migrations.AddIndex(
            model_name="reply",
            index=django.contrib.postgres.indexes.GinIndex(fields=["public_vector"], name="reply_public_vector"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
