from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from replies import rendering
from replies.models import Reply


class Command(BaseCommand):
    help = "Render a reply as PDF, DOCX or HTML: the signed text, or with --draft the working draft (marked 草稿)."

    def add_arguments(self, parser):
        parser.add_argument("id", type=int, help="the reply's id")
        parser.add_argument("--format", choices=sorted(rendering.FORMATS), default="pdf")
        parser.add_argument("--output", required=True, help="the file to write")
        parser.add_argument("--draft", action="store_true", help="render the working draft instead of the signed text")

    def handle(self, *args, **options):
        reply = Reply.objects.for_detail().filter(pk=options["id"]).first()
        if reply is None:
            raise CommandError(_("答复 %(id)s 不存在。") % {"id": options["id"]})
        body = rendering.render(reply, options["format"], working=options["draft"])
        if body is None:
            raise CommandError(_("这份答复尚未签发；如需输出草稿，请加 --draft。"))
        Path(options["output"]).write_bytes(body)
        self.stdout.write(f"{options['output']}: {len(body)} bytes")
