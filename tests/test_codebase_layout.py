"""The house rules a newcomer can rely on (issue 18): no module in `marketplace/` past 500
lines, no function past 60, and routes thin enough to read at a glance (30 lines: load,
check, validate, call one service, commit, redirect). Read from the source with `ast`,
so a failure names the file, the function and its length."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "marketplace"
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts)

MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60
MAX_ROUTE_LINES = 30
ROUTE_DECORATORS = {"route", "get", "post"}


def _name(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


def _functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def _length(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Lines from the `def` to the last line of the body, decorators and docstring included
    in neither: a long docstring explaining a rule is welcome."""
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], "value", None), ast.Constant):
        body = body[1:] or body
    return node.end_lineno - body[0].lineno + 2 if body else 1


def _is_route(node) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if isinstance(target, ast.Attribute) and target.attr in ROUTE_DECORATORS:
            return True
    return False


def _parsed():
    for path in MODULES:
        yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_there_are_modules_to_check():
    assert len(MODULES) > 50


def test_no_module_is_longer_than_500_lines():
    long = {_name(p): n for p in MODULES if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES}
    assert long == {}


def test_no_function_is_longer_than_60_lines():
    long = {
        f"{_name(path)}:{node.lineno} {node.name}": _length(node)
        for path, tree in _parsed()
        for node in _functions(tree)
        if _length(node) > MAX_FUNCTION_LINES
    }
    assert long == {}


def test_no_route_is_longer_than_30_lines():
    long = {
        f"{_name(path)}:{node.lineno} {node.name}": _length(node)
        for path, tree in _parsed()
        for node in _functions(tree)
        if _is_route(node) and _length(node) > MAX_ROUTE_LINES
    }
    assert long == {}


@pytest.mark.parametrize(
    "source, expected",
    [
        ("def f():\n    return 1\n", 2),
        ('def f():\n    """Doc\n    string."""\n    x = 1\n    return x\n', 3),
    ],
)
def test_function_length_counts_the_def_and_body_but_not_the_docstring(source, expected):
    node = next(_functions(ast.parse(source)))
    assert _length(node) == expected
