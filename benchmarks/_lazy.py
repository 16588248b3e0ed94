"""Package attributes imported on first use, so that the command line starts fast."""

import importlib
import sys

__all__ = ["lazy_exports"]


def lazy_exports(package, exports):
    """``__getattr__`` and ``__dir__`` for ``package`` that import ``exports`` on first use.

    Parameters
    ----------
    package : str
        The package's ``__name__``.
    exports : dict of str to str
        Public name -> module that defines it.

    Returns
    -------
    (__getattr__, __dir__) : tuple of callables
        To assign at the package's top level (PEP 562).

    Examples
    --------
    >>> getattr_, dir_ = lazy_exports("benchmarks", {"load_digits": "benchmarks.data.digits"})
    >>> getattr_("load_digits").__name__, dir_()
    ('load_digits', ['load_digits'])
    """
    def __getattr__(name):
        if name in exports:
            value = getattr(importlib.import_module(exports[name]), name)
            setattr(sys.modules[package], name, value)
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return sorted(exports)

    return __getattr__, __dir__
