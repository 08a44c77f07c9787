from django.utils.translation import gettext as _

from proposals.models import ImportBatch

from .import_proposals import Command as ImportProposalsCommand


class Command(ImportProposalsCommand):
    """import_proposals for assignment plans: the same arguments, importer and report."""

    help = (
        "Assign registered proposals from a spreadsheet of assignment plans (.xlsx) made from the "
        "assignment import template; all rows or none."
    )
    kind = ImportBatch.Kind.ASSIGNMENTS

    def done_message(self, batch):
        return _("已交办 %(created)s 件，%(unchanged)s 件此前已按相同方案交办。") % {
            "created": batch.created_count,
            "unchanged": batch.unchanged_count,
        }

    def failed_message(self, batch):
        return _("没有交办任何建议：发现 %(n)s 处问题（导入批次 %(batch)s）。") % {
            "n": len(batch.errors),
            "batch": batch.pk,
        }
