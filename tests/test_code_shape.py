"""The shape of the code: formatting, types, which module may import which, and where access is decided.

These run the same tools a reviewer would (ruff, mypy) and read the source with `ast`, so that the suite's one
command (README) checks them too. They do not touch the database.
"""

import ast
import re
import subprocess
import sys
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = "samarbeid"
APPS = ["agreements", "councils", "slt", "oversight", "public_pages"]
# The demo (`manage.py demo`) needs every app: it is an app of its own, above all of them.
PACKAGES = [CORE, *APPS, "demo"]

# The one documented cycle: a signed agreement's sealing runs as a task (agreements.tasks.seal_agreement calls
# agreements.signing.agreement_seal), and signing enqueues that task when the last signature is in. Both ends
# import the other inside a function, so neither is half-loaded when the other runs.
ALLOWED_CYCLES = [{"agreements.signing", "agreements.tasks"}]

# Project wiring in the core package, allowed to name apps: the settings list them in INSTALLED_APPS and the
# root URLconf mounts their URLs (by dotted string in include(), so no import edge either way). Nothing else
# in samarbeid/ may import an app: apps register what the core needs in their AppConfig.ready().
PROJECT_MODULES = {"samarbeid.settings", "samarbeid.urls"}


def _run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *command], cwd=ROOT, capture_output=True, text=True, timeout=900)


# --- Formatting and types ------------------------------------------------------------------------------------


def test_ruff_finds_nothing_to_fix():
    result = _run("ruff", "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_code_is_formatted_as_ruff_formats_it():
    result = _run("ruff", "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def _statements_ending_on(tree: ast.Module) -> dict[int, int]:
    """Line where a statement ends -> line where it starts (the outermost statement ending there)."""
    starts: dict[int, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.stmt) and node.end_lineno is not None:
            starts[node.end_lineno] = min(starts.get(node.end_lineno, node.lineno), node.lineno)
    return starts


def unaligned_format_skips(path: Path) -> list[int]:
    """Lines of `# fmt: skip` on statements that are not a table (two or more rows with columns aligned by spaces)."""
    source = path.read_text()
    lines = source.splitlines()
    starts = _statements_ending_on(ast.parse(source))
    found = []
    for number, line in enumerate(lines, 1):
        if line.rstrip().endswith("# fmt: skip"):
            rows = lines[starts.get(number, number) - 1 : number]
            if sum(1 for row in rows if re.search(r"\S  +\S", row.split("#")[0])) < 2:
                found.append(number)
    return found


def test_formatting_is_skipped_only_for_aligned_tables():
    """ruff's formatting is the rule; `# fmt: skip` keeps a table's columns, not a hand-wrapped call."""
    found = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in ROOT.glob("[!.]*/**/*.py")
        if "migrations" not in path.parts
        for line in unaligned_format_skips(path)
    ]
    assert found == []


def test_the_format_skip_check_tells_a_call_from_a_table(tmp_path):
    call = tmp_path / "call.py"
    call.write_text("f(a,\n  b)  # fmt: skip\n")
    table = tmp_path / "table.py"
    table.write_text('ROWS = [\n    ("a",   1),\n    ("bb",  22),\n]  # fmt: skip\n')
    assert unaligned_format_skips(call) == [2]
    assert unaligned_format_skips(table) == []


def test_mypy_passes_on_the_core_and_the_access_and_service_modules():
    """The files are listed in pyproject.toml ([tool.mypy]), with the django-stubs plugin."""
    result = _run("mypy")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Success" in result.stdout


# --- The import graph ----------------------------------------------------------------------------------------


def _modules() -> dict[str, Path]:
    modules = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


@cache
def import_graph() -> dict[str, frozenset[str]]:
    """module → the modules of ours it imports, anywhere in it (module level, functions, TYPE_CHECKING)."""
    modules = _modules()

    def ours(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for module, path in modules.items():
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                targets |= {ours(alias.name) for alias in node.names}
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package.split(".")[: len(package.split(".")) - node.level + 1]
                    source = ".".join([*base, *([node.module] if node.module else [])])
                else:
                    source = node.module or ""
                for alias in node.names:  # `from pkg import module` imports the module
                    full = f"{source}.{alias.name}"
                    targets.add(full if full in modules else ours(source))
        graph[module] = frozenset(targets - {None, module})
    return graph


def cycles(graph: dict[str, frozenset[str]]) -> list[set[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_the_graph_sees_imports_inside_functions_and_relative_ones():
    """The checks below are only as good as the graph: it holds the edges we know are there."""
    graph = import_graph()
    assert "agreements.tasks" in graph["agreements.signing"]  # imported inside agreement_sign
    assert "samarbeid.models" in graph["samarbeid.permissions"]
    assert "samarbeid.status_reports" in graph["slt.apps"]  # inside ready()
    assert cycles({"a": frozenset({"b"}), "b": frozenset({"c"}), "c": frozenset({"a"}), "d": frozenset()}) == [
        {"a", "b", "c"}
    ]


def test_no_two_modules_import_each_other_except_the_documented_pair():
    found = [component for component in cycles(import_graph()) if component not in ALLOWED_CYCLES]
    assert found == [], "import cycles: " + "; ".join(" ↔ ".join(sorted(c)) for c in found)


def test_the_core_imports_no_app():
    graph = import_graph()
    wrong = sorted(
        f"{module} → {target}"
        for module, targets in graph.items()
        if module.split(".")[0] == CORE and module not in PROJECT_MODULES
        for target in targets
        if target.split(".")[0] != CORE
    )
    assert wrong == []


def test_no_app_other_than_the_demo_imports_the_demo():
    graph = import_graph()
    assert [
        m for m, targets in graph.items() if not m.startswith("demo") and any(t.startswith("demo") for t in targets)
    ] == []


def test_councils_and_slt_do_not_import_each_other_both_ways():
    """slt builds on councils (its steering groups are politiråd); councils reads SLT's status by name only."""
    graph = import_graph()
    councils_to_slt = [
        m for m, ts in graph.items() if m.startswith("councils") and any(t.startswith("slt") for t in ts)
    ]
    assert councils_to_slt == []


# --- Where access is decided ---------------------------------------------------------------------------------

# Guardian's API and Django's own permission checks: only access modules (and samarbeid.permissions, the one
# mechanism they share) call these.
PERMISSION_CALLS = {
    "has_perm",
    "has_perms",
    "get_perms",
    "get_user_perms",
    "get_group_perms",
    "get_objects_for_user",
    "get_objects_for_group",
    "get_users_with_perms",
    "get_groups_with_perms",
    "ObjectPermissionChecker",
    "assign_perm",
    "remove_perm",
    "visible_to",
    "get_for_user",
    "prefetch_perms",
}


def _decides_nothing(path: Path) -> bool:
    """Views, forms and template tags: they ask the access module, they do not decide."""
    return "views" in path.stem or "forms" in path.stem or "templatetags" in path.parts


@cache
def _permission_codenames() -> set[str]:
    from django.apps import apps
    from django.contrib.auth.management import _get_all_permissions

    codenames = set()
    for model in apps.get_models():
        if model._meta.app_label in PACKAGES:
            for codename, _ in _get_all_permissions(model._meta):
                codenames.add(f"{model._meta.app_label}.{codename}")  # bare ones are ability keys too
    return codenames


def permission_leaks(path: Path, shown_as: str | None = None) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    where = shown_as or str(path.relative_to(ROOT))
    codenames = _permission_codenames()
    leaks = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            if name in PERMISSION_CALLS:
                leaks.append(f"{where}:{node.lineno} calls {name}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "guardian":
            leaks.append(f"{where}:{node.lineno} imports guardian")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in codenames:
            leaks.append(f"{where}:{node.lineno} names the permission {node.value!r}")
    return leaks


def test_views_forms_and_template_tags_leave_access_to_the_access_modules():
    paths = [path for path in _modules().values() if _decides_nothing(path)]
    assert len(paths) > 10  # the views, forms and template tags of every app
    leaks = [leak for path in paths for leak in permission_leaks(path)]
    assert leaks == []


def test_the_permission_check_sees_a_leak(tmp_path):
    leaky = tmp_path / "views.py"
    leaky.write_text(
        "from guardian.shortcuts import get_perms\n"
        "def page(request, agreement):\n"
        "    return request.user.has_perm('agreements.change_agreement', agreement)\n"
    )
    assert set(permission_leaks(leaky, shown_as="views.py")) == {
        "views.py:1 imports guardian",
        "views.py:3 calls has_perm",
        "views.py:3 names the permission 'agreements.change_agreement'",
    }


# --- Who writes roles and memberships ------------------------------------------------------------------------

HELD_MODELS = {"RoleAssignment", "ForumMembership"}
HELD_MANAGERS = {"roles", "memberships", "forum_memberships"}  # the related managers onto them
WRITES = {"create", "get_or_create", "update_or_create", "bulk_create", "update", "bulk_update", "delete"}
# The services that re-sync the login, and the paths that sync explicitly (sync_users_roles / sync_user_roles).
HELD_WRITERS = {
    "samarbeid.roles": "the role services",
    "samarbeid.meetings": "membership_add, membership_end",
    "samarbeid.demo": "create_demo_people syncs each demo login after its roles",
    "samarbeid.generate": "bulk roles, then sync_users_roles for all",
    "councils.generate": "moves memberships' start earlier (held today either way)",
    "slt.generate": "moves memberships' start earlier (held today either way)",
}


def held_writes(path: Path) -> list[int]:
    """Lines that write RoleAssignment or ForumMembership rows through a manager or queryset."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES:
            names = {n.id for n in ast.walk(node.func.value) if isinstance(n, ast.Name)}
            attrs = {n.attr for n in ast.walk(node.func.value) if isinstance(n, ast.Attribute)}
            if names & HELD_MODELS or attrs & HELD_MANAGERS:
                lines.append(node.lineno)
    return lines


def test_only_the_services_write_roles_and_memberships():
    """So no .update() or bulk path skips the re-sync (tests/test_roles_and_permissions.py proves the services)."""
    found = {
        module: held_writes(path)
        for module, path in _modules().items()
        if module not in HELD_WRITERS and held_writes(path)
    }
    assert found == {}


def test_the_writer_check_sees_a_write(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f(p):\n    p.roles.update(ends_on=None)\n    RoleAssignment.objects.filter(x=1).delete()\n")
    assert sorted(held_writes(module)) == [2, 3]
    assert held_writes(ROOT / "samarbeid" / "roles.py")  # the services are seen, and allowed


# --- Who writes from a view ----------------------------------------------------------------------------------

# Calls that write rows, files or history, or open the transaction around such writes: in a view they mean the
# view does a service's work. (`update` is left out: views update dicts of context.)
VIEW_WRITES = {
    "save",
    "delete",
    "create",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
    "log",
    "record",
    "atomic",
    "on_commit",
    "claim_version",
}
# Views that still write, each with what it writes: move them into services, then off this list.
VIEWS_THAT_WRITE = {
    "samarbeid.views": "the language switch saves the person's own choice (Person.language)",
    "samarbeid.meeting_views": "the calendar page makes and renews the user's feed token",
    "slt.views": "focus_area_add saves its form",
}


def view_writes(path: Path) -> list[int]:
    """Lines of a views module that write (VIEW_WRITES) instead of calling a service."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
            unsaved = any(
                k.arg == "commit" and isinstance(k.value, ast.Constant) and k.value.value is False
                for k in node.keywords
            )  # a form's save(commit=False) builds the objects a service then writes
            if name in VIEW_WRITES and not unsaved:
                lines.append(node.lineno)
    return lines


def test_views_hand_their_writes_to_services():
    """Views keep access, form, render: the writes, the history they leave and their transaction are services'."""
    views = {module: path for module, path in _modules().items() if "views" in path.stem}
    found = {module: view_writes(path) for module, path in views.items() if module not in VIEWS_THAT_WRITE}
    assert {module: lines for module, lines in found.items() if lines} == {}
    assert all(view_writes(views[module]) for module in VIEWS_THAT_WRITE)  # an entry goes once its view is clean


def test_the_view_write_check_sees_a_write(tmp_path):
    module = tmp_path / "views.py"
    module.write_text(
        "def page(request, agreement, form):\n"
        "    with transaction.atomic():\n"
        "        form.save()\n"
        "        agreement.log('x', heading='y', by=request.user)\n"
        "    context = {}\n"
        "    context.update(form=form)\n"
        "    rows = formset.save(commit=False)\n"
    )
    assert view_writes(module) == [2, 3, 4]
