"""The shape every domain keeps (issue 17): its blueprint made in the package, route modules that import no other
route module, no import cycle among the portal's modules at load time, services that raise rather than abort()."""
import ast
from pathlib import Path

import portal

PORTAL = Path(portal.__file__).parent
ROUTE_MODULES = ("views.py", "_views.py", "accounts/manage.py")
# Modules of the web layer, where abort() is the answer itself (the guards, the scope's 404, paging).
WEB_LAYER = {"web.py", "scope.py", "paging.py"}


def _module_name(path: Path) -> str:
    parts = path.relative_to(PORTAL.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(path): path for path in PORTAL.rglob("*.py")}


def _load_time_imports(path: Path) -> set[str]:
    """The portal modules a module imports when it is loaded (its top-level statements, not its functions)."""
    found = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("portal"):
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            found.update(name for name in names if name in MODULES)
            if any(name not in MODULES for name in names):
                found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in MODULES)
    return found


def _is_route_module(path: Path) -> bool:
    return path.as_posix().endswith(ROUTE_MODULES)


def test_no_module_imports_one_that_imports_it_back():
    graph = {name: _load_time_imports(path) - {name} for name, path in MODULES.items()}
    cycles = []
    for start in graph:
        stack, seen = [(start, (start,))], set()
        while stack:
            name, trail = stack.pop()
            for imported in graph.get(name, ()):
                if imported == start:
                    cycles.append(" → ".join((*trail, start)))
                elif imported not in seen:
                    seen.add(imported)
                    stack.append((imported, (*trail, imported)))
    assert cycles == []


def test_route_modules_share_nothing_but_the_package_blueprint():
    offenders = [f"{_module_name(path)} imports {imported}"
                 for path in PORTAL.rglob("*.py") if _is_route_module(path)
                 for imported in _load_time_imports(path)
                 if imported in MODULES and _is_route_module(MODULES[imported])]
    assert offenders == []


def test_every_blueprint_is_made_in_its_domain_package(app):
    for name, blueprint in app.blueprints.items():
        package = MODULES.get(f"portal.{name}")
        assert package is not None and package.name == "__init__.py", name
        assert blueprint.import_name == f"portal.{name}"


def test_services_raise_instead_of_answering_with_abort():
    offenders = []
    for path in PORTAL.rglob("*.py"):
        if _is_route_module(path) or path.name in WEB_LAYER or path.parent.name == "jobs":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module == "flask" and any(
                    alias.name == "abort" for alias in node.names):
                offenders.append(_module_name(path))
    assert offenders == []


# The modules that end a transaction themselves, and why: saving() itself and the 500 page; the job machinery
# (the runner's transaction, a job row the worker must read before it runs); work committed in chunks as it goes
# (the library import's writer and its stored changes, the province re-match's run row, a key rotation's batches
# and its read of what is left); sign-in, its session rows and the second factor (refusals recorded before they
# raise); a scope refusal recorded before its 404; the library overview's figures kept by whoever reads them first;
# the commands that archive the audit log or copy the database.
OWN_TRANSACTIONS = {
    "portal.errors", "portal.web", "portal.jobs.services", "portal.library.importer", "portal.library.record_sink",
    "portal.library.diff", "portal.enrolment.rematch", "portal.keys", "portal.accounts.services",
    "portal.accounts.sessions", "portal.accounts.second_factor", "portal.scope", "portal.library.services",
    "portal.audit.archive", "portal.copy_db",
}


def test_services_leave_the_transaction_to_the_view_or_command_that_asked():
    offenders = []
    for path in PORTAL.rglob("*.py"):
        if _is_route_module(path) or _module_name(path) in OWN_TRANSACTIONS:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and node.func.attr in ("commit", "rollback"):
                offenders.append(f"{_module_name(path)}:{node.lineno}")
    assert offenders == []
