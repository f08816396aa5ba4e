"""The shape of the templates: a field is rendered by its form, and a status is compared with its choices.

A hand-written `<select>` repeats what a form field already knows (its choices, the one selected, its label and
errors), and a string literal such as `meeting.status == 'cancelled'` repeats a model's TextChoices: rename a
value and the page silently takes the other branch. Templates compare with the choices
(`meeting.status == meeting.Status.CANCELLED`) or ask the model (`meeting.status_tag_color`, `action.is_done`).
These read the template files; they do not touch the database.
"""

import re
from pathlib import Path

from django.apps import apps
from django.db import models

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_DIRS = [
    ROOT / "templates",
    *(ROOT / app / "templates" for app in ("agreements", "councils", "slt", "oversight", "public_pages")),
]

# Variables a view hands a template that stand for choices without being a model field: the meeting PDF's
# `document` (MeetingDocument), the innkalling's `change` (InnkallingChange), an agreement's `lifecycle`.
CHOICE_VARIABLES = {"document", "change", "lifecycle"}
# Comparisons with a literal that are about HTML, not about a model: a widget's type, allauth's attributes,
# Django's message levels, a sort order from the query string, a diff opcode, a form field's name.
NOT_CHOICES = {"widget_type", "type", "level_tag", "op", "name"}

LITERAL = r"""(?:'[^']*'|"[^"]*")"""
OPERAND = r"[A-Za-z_][\w.]*"
COMPARISON = re.compile(rf"({OPERAND})\s*(?:==|!=)\s*{LITERAL}|{LITERAL}\s*(?:==|!=)\s*({OPERAND})")
TAG = re.compile(r"{%.*?%}", re.S)
SELECT = re.compile(r"<select\b", re.I)


def choice_fields() -> set[str]:
    """The names of the project's model fields whose values are choices (every such field is a TextChoices)."""
    names = {"status", "kind", "state"}
    for model in apps.get_models():
        if model.__module__.split(".")[0] not in {
            "samarbeid",
            "agreements",
            "councils",
            "slt",
            "oversight",
            "public_pages",
        }:
            continue
        names |= {field.name for field in model._meta.get_fields() if isinstance(field, models.Field) and field.choices}
    return names - NOT_CHOICES


def template_paths() -> list[Path]:
    return sorted(path for folder in TEMPLATE_DIRS for path in folder.rglob("*") if path.suffix in {".html", ".txt"})


def shape_faults(path: Path, fields: set[str], *, shown_as: str | None = None) -> list[str]:
    """Each hand-written <select> and each comparison of a choice with a string literal, as `file:line what`."""
    name = shown_as or str(path.relative_to(ROOT))
    text = path.read_text()
    faults = [
        f"{name}:{text.count(chr(10), 0, m.start()) + 1} writes a <select> by hand" for m in SELECT.finditer(text)
    ]
    for tag in TAG.finditer(text):
        for match in COMPARISON.finditer(tag.group()):
            operand = match.group(1) or match.group(2)
            *owner, last = operand.split(".")
            if (owner and last in fields) or (not owner and last in CHOICE_VARIABLES):
                line = text.count("\n", 0, tag.start() + match.start()) + 1
                faults.append(f"{name}:{line} compares {operand} with a string literal")
    return faults


def test_templates_render_selects_from_forms_and_compare_choices_with_the_choices():
    paths = template_paths()
    assert len(paths) > 100  # every app's templates, the e-mails and the PDFs
    fields = choice_fields()
    assert {"status", "kind", "malform"} <= fields
    faults = [fault for path in paths for fault in shape_faults(path, fields)]
    assert faults == []


def test_the_template_check_sees_a_select_and_a_status_literal(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        "<span data-color=\"{% if meeting.status == 'cancelled' %}danger{% endif %}\">\n"
        "{% if 'done' != action.status %}<select name=\"x\"></select>{% endif %}\n"
        '{% if document == "referat" %}{% endif %}{% if field.widget_type == "checkbox" %}{% endif %}\n'
        "{% if meeting.status == meeting.Status.CANCELLED %}{% endif %}\n"
    )
    assert shape_faults(page, choice_fields(), shown_as="page.html") == [
        "page.html:2 writes a <select> by hand",
        "page.html:1 compares meeting.status with a string literal",
        "page.html:2 compares action.status with a string literal",
        "page.html:3 compares document with a string literal",
    ]
