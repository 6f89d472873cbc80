"""The domain stays pure; kiosks and devices reach the core only through the contract."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN_IN_DOMAIN = {
    "sqlalchemy",
    "paho",
    "nicegui",
    "pydantic",
    "alembic",
    "psycopg",
    "socket",
    "requests",
    "amqtt",
    "core.store",
    "core.mqtt",
}


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_domain_imports_no_io() -> None:
    files = list((ROOT / "core" / "domain").glob("*.py"))
    assert files
    for f in files:
        bad = {
            n
            for n in imports(f)
            if any(n == x or n.startswith(x + ".") for x in FORBIDDEN_IN_DOMAIN)
        }
        assert not bad, f"{f.name} imports {bad}"


def test_devices_use_only_the_wire_contract_of_the_core() -> None:
    for f in (ROOT / "devices").glob("*.py"):
        for n in imports(f):
            if n.startswith("core."):
                assert n.startswith(("core.contract", "core.config", "core.mqtt")), (f.name, n)


def test_kiosks_use_only_the_wire_contract_of_the_core() -> None:
    files = list((ROOT / "kiosk").glob("*.py"))
    assert len(files) > 2
    allowed = (
        "core.contract",
        "core.config",
        "core.mqtt",
        "core.catalogue",
        "core.display",
        "core.domain.vocabulary",  # the words, not the rules
    )
    for f in files:
        for n in imports(f):
            if n.startswith("core."):
                assert n.startswith(allowed), (f.name, n)
            assert not n.startswith(("sqlalchemy", "core.store", "core.engine")), (f.name, n)


def test_boards_read_and_act_only_through_the_query_and_command_interface() -> None:
    files = list((ROOT / "board").glob("*.py"))
    assert len(files) > 5
    allowed = (
        "core.contract",
        "core.config",
        "core.commands",
        "core.domain",
        "core.catalogue",
        "core.display",
    )
    for f in files:
        for n in imports(f):
            if n.startswith("core."):
                assert n.startswith(allowed), (f.name, n)
            assert not n.startswith(("sqlalchemy", "paho")), (f.name, n)


def _is_within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def _upward_imports(folder: str, above: tuple[str, ...], root: Path = ROOT) -> list[str]:
    """Every import (module level or inside a function) of ``folder`` from ``above``."""
    files = list((root / folder).rglob("*.py"))
    assert files, folder
    return [
        f"{f.relative_to(root)} imports {n}"
        for f in files
        for n in sorted(imports(f))
        if _is_within(n, above)
    ]


def test_core_imports_none_of_the_packages_it_is_wired_with() -> None:
    assert _upward_imports("core", ("board", "kiosk", "devices", "hub", "pitboard")) == []


def test_only_the_pitboard_command_wires_processes_together() -> None:
    for folder in ("core", "board", "kiosk", "devices", "hub"):
        assert _upward_imports(folder, ("pitboard",)) == []
    assert _upward_imports("pitboard", ("board", "kiosk", "devices")), "the wiring moved away"


def _web_servers_started(folder: str, root: Path = ROOT) -> list[str]:
    """Every place in ``folder`` that starts a web server: ``ui.run``/``ui.run_with``, or
    NiceGUI's ``run`` or uvicorn imported to do it."""
    found = []
    for f in (root / folder).rglob("*.py"):
        tree = ast.parse(f.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("run", "run_with")
                and isinstance(node.value, ast.Name)
                and node.value.id == "ui"
            ):
                found.append(f"{f.relative_to(root)}:{node.lineno} ui.{node.attr}")
            elif isinstance(node, ast.ImportFrom) and node.module in ("nicegui", "nicegui.ui"):
                started = [a.name for a in node.names if a.name in ("run", "run_with")]
                found += [f"{f.relative_to(root)}:{node.lineno} imports {n}" for n in started]
        found += [
            f"{f.relative_to(root)} imports {n}" for n in imports(f) if _is_within(n, ("uvicorn",))
        ]
    return found


def test_only_the_pitboard_command_starts_web_servers() -> None:
    """kiosk/ builds its pages and its station; the process that serves them (the bay PC's
    ``pitboard kiosk``, the one machine of ``pitboard run``) is made in pitboard/."""
    for folder in ("core", "board", "kiosk", "devices", "hub"):
        assert _web_servers_started(folder) == [], folder
    assert _web_servers_started("pitboard"), "the web servers moved away"


# What kiosk/ may use of devices/: the MQTT link its station talks through and the outbox
# its taps wait in (kiosk/app.py, kiosk/station.py). Printers, key readers and the bridge
# are no business of a kiosk.
KIOSK_MAY_USE_OF_DEVICES = ("devices.link", "devices.outbox")


def test_kiosks_use_of_devices_is_the_link_and_its_outbox() -> None:
    used = {
        n for f in (ROOT / "kiosk").rglob("*.py") for n in imports(f) if _is_within(n, ("devices",))
    }
    beyond = sorted(n for n in used if not _is_within(n, KIOSK_MAY_USE_OF_DEVICES))
    assert beyond == [], f"kiosk/ imports {beyond} from devices/"


def test_display_rules_and_texts_stand_on_the_contract_alone() -> None:
    """Kiosks and boards both import core.display, so it may bring in nothing either of
    them may not import: only the contract and the configuration, no I/O, no UI."""
    files = list((ROOT / "core" / "display").glob("*.py"))
    assert len(files) >= 2
    for f in files:
        for n in imports(f):
            if n.startswith("core."):
                allowed = ("core.contract", "core.config", "core.display", "core.domain.vocabulary")
                assert n.startswith(allowed), (f.name, n)
            top = n.split(".")[0]
            assert top not in {"nicegui", "paho", "sqlalchemy"}, (f.name, n)


PURE_DOMAIN_TESTS = (
    "test_domain_workflow.py",
    "test_domain_properties.py",
    "test_clock_corrections.py",
    "test_domain_working_hours.py",
    "test_domain_bay_kinds.py",
    "test_domain_appointments.py",
    "test_domain_plan.py",
    "test_domain_promise.py",
    "schedule_site.py",
    "walk.py",
)


def test_pure_domain_tests_import_nothing_from_the_engine_or_the_store() -> None:
    for name in PURE_DOMAIN_TESTS:
        bad = {
            n
            for n in imports(ROOT / "tests" / name)
            if _is_within(n, ("core.engine", "core.store", "sqlalchemy", "core.views"))
        }
        assert not bad, f"{name} imports {bad}"


def test_no_test_module_is_used_by_another_as_a_library() -> None:
    for f in (ROOT / "tests").glob("*.py"):
        used = {n for n in imports(f) if n.startswith(("tests.test_", "tests.conftest"))}
        assert not used, f"{f.name} imports the test modules {used}"


# A function a reader can hold in their head: longer ones are split into named parts.
LONGEST_FUNCTION = 50
PRODUCT_PACKAGES = ("core", "kiosk", "board", "devices", "pitboard")


def long_functions(source: str) -> list[tuple[str, int]]:
    return [
        (node.name, node.end_lineno - node.lineno + 1)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > LONGEST_FUNCTION
    ]


def test_long_functions_are_found() -> None:
    body = "\n".join(f"    x{i} = {i}" for i in range(LONGEST_FUNCTION))
    assert long_functions(f"def short():\n    pass\n\ndef long():\n{body}\n") == [
        ("long", LONGEST_FUNCTION + 1)
    ]


def test_no_function_in_the_product_is_longer_than_a_screen() -> None:
    too_long = [
        f"{path.relative_to(ROOT)}: {name} ({lines} lines)"
        for package in PRODUCT_PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        for name, lines in long_functions(path.read_text(encoding="utf-8"))
    ]
    assert not too_long, "split into named parts:\n" + "\n".join(too_long)
