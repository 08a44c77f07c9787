"""Every email the product sends goes through `send`: one function per email, each with
its subject, text and HTML templates under templates/emails/."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def send(template: str, to: list[str], context: dict) -> None:
    context = {"site_url": settings.SITE_URL, **context}
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"emails/{template}_subject.txt", context).strip()
        text = render_to_string(f"emails/{template}_body.txt", context)
        html = render_to_string(f"emails/{template}_body.html", context)
    message = EmailMultiAlternatives(subject=" ".join(subject.split()), body=text, to=to)
    message.attach_alternative(html, "text/html")
    message.send()


def send_test_email(address: str) -> None:
    send("test", [address], {})


def notification(notification) -> None:
    """A notification by email, in the templates of its kind (emails/<kind>_subject.txt,
    _body.txt, _body.html); kinds without their own templates use the general ones."""
    from django.template import TemplateDoesNotExist
    from django.template.loader import get_template

    template = notification.kind
    try:
        get_template(f"emails/{template}_subject.txt")
    except TemplateDoesNotExist:
        template = "notification"
    context = {"message": notification.message, "url": notification.url, "user": notification.user}
    send(template, [notification.user.email], context)
