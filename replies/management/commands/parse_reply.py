import json

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from proposals.extraction import chinese_numeral
from replies.parsing import ParseError, parse_path


class Command(BaseCommand):
    help = "Read an existing reply (.txt or .docx) back into its structure: title, sections, signature, date …"

    def add_arguments(self, parser):
        parser.add_argument("file", help="the reply, a .txt (UTF-8 or GBK) or .docx file")
        parser.add_argument("--json", action="store_true", dest="as_json", help="print every field as JSON")

    def handle(self, *args, file, as_json=False, **options):
        try:
            result = parse_path(file)
        except FileNotFoundError:
            raise CommandError(_("找不到文件“%(path)s”。") % {"path": file}) from None
        except OSError as error:
            raise CommandError(
                _("无法打开文件“%(path)s”：%(reason)s") % {"path": file, "reason": error.strerror}
            ) from None
        except ParseError as error:
            raise CommandError(error.message) from None
        if as_json:
            self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
        else:
            self.stdout.write("\n".join(summary(result)))


def summary(result) -> list[str]:
    unknown = _("（未识别）")

    def show(value):
        return unknown if value in (None, "", []) else value

    contact = " ".join(v for v in (result["contact"]["name"], result["contact"]["phone"]) if v)
    lines = [
        _("标题：%(v)s") % {"v": show(result["title"])},
        _("文号：%(v)s") % {"v": show(result["doc_number"])},
        _("类别：%(v)s") % {"v": show(result["category"])},
        _("会议：%(v)s") % {"v": show(result["session"])},
        _("建议号：%(v)s") % {"v": show(result["proposal_number"])},
        _("建议题目：%(v)s") % {"v": show(result["proposal_title"])},
        _("称谓：%(v)s") % {"v": show(result["salutation"])},
        _("答复条目：%(n)s 条") % {"n": len(result["sections"])},
    ]
    lines += [f"  {chinese_numeral(s['number'])}、{s['heading']}" for s in result["sections"]]
    lines += [
        _("落款：%(v)s") % {"v": show(result["signature"])},
        _("日期：%(v)s") % {"v": show(result["date"])},
        _("抄送：%(v)s") % {"v": show("，".join(result["cc"]))},
        _("联系人：%(v)s") % {"v": show(contact)},
        _("公开属性：%(v)s") % {"v": show(result["disclosure"])},
    ]
    if result["warnings"]:
        lines.append(_("提示："))
        lines += [f"  - {warning}" for warning in result["warnings"]]
    return lines
