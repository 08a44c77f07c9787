"""What each role sees in the navigation and on its home page.

Apps further right in the layering (proposals, replies, reports) add their entries from
their AppConfig.ready(), so accounts never imports them.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: tuple
    order: int = 100


@dataclass(frozen=True)
class HomePanel:
    """A to-do panel on the home page. `items(user)` returns the rows to show (a list or a
    queryset); an empty result shows `empty_text`."""

    title: str
    roles: tuple
    items: Callable
    template: str = "home/_panel.html"
    empty_text: str = ""
    order: int = 100


_nav: list[NavItem] = []
_panels: list[HomePanel] = []


def register_nav(item: NavItem) -> None:
    if item not in _nav:
        _nav.append(item)


def register_panel(panel: HomePanel) -> None:
    if panel not in _panels:
        _panels.append(panel)


def nav_for(role) -> list[NavItem]:
    return sorted((i for i in _nav if role in i.roles), key=lambda i: i.order)


def panels_for(user) -> list[HomePanel]:
    return sorted((p for p in _panels if user.role in p.roles), key=lambda p: p.order)
