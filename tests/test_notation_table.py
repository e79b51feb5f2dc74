"""The notation page's maths-to-code table names mixlib functions that exist, with the
signatures and defaults it prints: the table is typed by hand, so this keeps it true."""

import importlib
import inspect
import pathlib
import re

import pytest

PAGE = pathlib.Path(__file__).resolve().parents[1] / "chapters" / "notation.md"
CALL = re.compile(r"`(mixlib(?:\.[a-z_]+)+|ConjugatePrior|result\.[a-z_]+)\(([^`]*)\)`")


def _calls():
    text = PAGE.read_text().split("## In code", 1)[1]
    return [(m.group(1), m.group(2)) for m in CALL.finditer(text)]


def _resolve(name):
    if name == "ConjugatePrior":
        name = "mixlib.ConjugatePrior"
    if name.startswith("result."):
        import mixlib

        return getattr(mixlib.GaussianMixtureResult, name.split(".", 1)[1])
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for part in parts[cut:]:
            obj = getattr(obj, part)
        return obj
    raise LookupError(name)


def test_the_table_names_functions():
    assert len(_calls()) >= 20


@pytest.mark.parametrize("name, args", _calls())
def test_every_call_fits_the_signature(name, args):
    function = _resolve(name)
    signature = inspect.signature(function)
    params = list(signature.parameters.values())
    if params and params[0].name == "self":
        params = params[1:]
    given = [a.strip() for a in re.split(r",(?![^()]*\))", args) if a.strip() and a.strip() != "..."]
    positional = [a for a in given if "=" not in a]
    keywords = dict(a.split("=", 1) for a in given if "=" in a)
    accepts = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    assert len(positional) <= len(accepts), f"{name}: too many positional arguments"
    by_name = {p.name: p for p in params}
    for key, value in keywords.items():
        assert key in by_name, f"{name} has no argument {key!r}"
        default = by_name[key].default
        if value.startswith('"') or value[0].isdigit() or value.startswith("range"):
            assert eval(value) == default or key in {"prior", "n_components"} and value != "...", (
                f"{name}: the page prints {key}={value}, the default is {default!r}"
            )
