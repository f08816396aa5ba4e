"""Short plain-text status reports one app gives another about some kommuner (e.g. "status fra SLT" on the
politiråd's page), so that neither imports the other: the app that has the facts registers a report in its
AppConfig.ready(), the app that shows it asks for it by name here.
"""

from collections.abc import Callable, Iterable

from samarbeid.models import Kommune

_reports: dict[str, Callable[[Iterable[Kommune]], str]] = {}


def register_status_report(name: str, report: Callable[[Iterable[Kommune]], str]) -> None:
    _reports[name] = report


def status_report(name: str, kommuner: Iterable[Kommune]) -> str:
    """The report `name` for these kommuner; empty when no installed app gives it."""
    report = _reports.get(name)
    return report(kommuner) if report else ""
