"""Panels that apps further right in the layering (replies) add to the proposal page, so
proposals never imports them. `context(request, proposal)` returns the panel's context, or
None to leave the panel out."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class DetailPanel:
    template: str
    context: Callable
    order: int = 100


_panels: list[DetailPanel] = []


def register_detail_panel(panel: DetailPanel) -> None:
    if panel not in _panels:
        _panels.append(panel)


def detail_panels(request, proposal):
    """(template, context) for each panel that has something to show."""
    rows = []
    for panel in sorted(_panels, key=lambda p: p.order):
        context = panel.context(request, proposal)
        if context is not None:
            rows.append((panel.template, context))
    return rows


# Steps apps further right add to seed_demo (replies adds past replies for the portal and
# the statistics), run in its transaction after the proposals demo data exists.
_demo_steps: list[Callable] = []


def register_demo_step(step: Callable) -> None:
    if step not in _demo_steps:
        _demo_steps.append(step)


def demo_steps() -> list[Callable]:
    return list(_demo_steps)
