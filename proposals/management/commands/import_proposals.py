from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.models import Role, User
from proposals import importing
from proposals.models import ImportBatch


class Command(BaseCommand):
    help = "Import proposals from a spreadsheet (.xlsx) made from the import template; all rows or none."
    kind = ImportBatch.Kind.PROPOSALS

    def done_message(self, batch):
        return _("已导入 %(created)s 件，%(unchanged)s 件已存在未变。") % {
            "created": batch.created_count,
            "unchanged": batch.unchanged_count,
        }

    def failed_message(self, batch):
        return _("没有导入任何建议：发现 %(n)s 处问题（导入批次 %(batch)s）。") % {
            "n": len(batch.errors),
            "batch": batch.pk,
        }

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx file")
        parser.add_argument(
            "--user", help="username of the coordinator recorded as importer (default: the only active coordinator)"
        )

    def handle(self, *args, file, user=None, **options):
        importer = self._importer(user)
        path = Path(file)
        if not path.is_file():
            raise CommandError(_("找不到文件“%(path)s”。") % {"path": file})
        # The same path as an upload: the file is kept with the batch, which the import page lists.
        with path.open("rb") as fileobj:
            batch = importing.create_batch(File(fileobj), path.name, importer, kind=self.kind)
        importing.process_batch(batch.pk)
        batch.refresh_from_db()
        if batch.status == ImportBatch.Status.DONE:
            self.stdout.write(self.done_message(batch))
            return
        for error in batch.errors:
            self.stderr.write(_("第%(row)s行【%(column)s】%(message)s") % error if error["row"] else error["message"])
        raise CommandError(self.failed_message(batch))

    def _importer(self, username):
        coordinators = User.objects.filter(role=Role.COORDINATOR, is_active=True)
        if username:
            found = coordinators.filter(username=username).first()
            if found is None:
                raise CommandError(_("没有用户名为“%(name)s”的在用交办工作人员账号。") % {"name": username})
            return found
        found = list(coordinators[:2])
        if len(found) != 1:
            raise CommandError(_("请用 --user 指定导入人（交办工作人员的用户名）。"))
        return found[0]
