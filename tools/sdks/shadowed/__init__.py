"""Imports an SDK whose package has the name of the provider's module in tools/sdks/ (`workos`,
`onfido`, `boldsign`): official_sdks.py puts tools/sdks/ first on sys.path, so the module
itself would be found instead. Not a case: official_sdks.py lists only tools/sdks/*.py."""

import importlib
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent.parent


def sdk(package, module):
    """Imports `module` of the installed `package`, around the case module of the same name."""
    mine = sys.modules.pop(package, None)
    saved = sys.path[:]
    sys.path[:] = [entry for entry in sys.path if pathlib.Path(entry or ".").resolve() != HERE]
    try:
        return importlib.import_module(module)
    finally:
        sys.path[:] = saved
        if mine is not None:
            sys.modules[package] = mine
