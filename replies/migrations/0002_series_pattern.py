from django.db import migrations, models


def code_to_pattern(apps, schema_editor):
    DocumentSeries = apps.get_model("replies", "DocumentSeries")
    for series in DocumentSeries.objects.all():
        series.pattern = f"{series.pattern}〔{{年份}}〕{{序号}}号"
        series.save(update_fields=["pattern"])


def pattern_to_code(apps, schema_editor):
    DocumentSeries = apps.get_model("replies", "DocumentSeries")
    for series in DocumentSeries.objects.all():
        series.pattern = series.pattern.split("〔", 1)[0]
        series.save(update_fields=["pattern"])


class Migration(migrations.Migration):
    """A series now holds its whole number pattern (吉科发规划〔{年份}〕{序号}号), so that
    the year placeholder can be checked and other forms of number can be kept."""

    dependencies = [("replies", "0001_document_series")]

    operations = [
        migrations.RenameField("documentseries", "code", "pattern"),
        migrations.AlterField(
            model_name="documentseries",
            name="pattern",
            field=models.CharField(
                help_text="如“吉科发规划〔{年份}〕{序号}号”：{年份}和{序号}由系统填入。",
                max_length=60,
                verbose_name="文号格式",
            ),
        ),
        migrations.RunPython(code_to_pattern, pattern_to_code),
    ]
