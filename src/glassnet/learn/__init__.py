"""glassnet for learners: the graded exercises (``check``, ``start``) and ``explain``.

``gn.learn.check(name, function)`` grades a learner's own code against glassnet's engine
(``glassnet learn`` on the command line); ``glassnet exercises`` instead runs the post's
exercises for you. The names below load on first use, as ``glassnet``'s do.

``gn.explain`` (one step of the post, every array with its formula and the line that
computed it; ``glassnet explain``) is defined in the submodule ``glassnet.learn.explain``
and reached as ``gn.explain``: it is not listed below, because once the submodule is
imported ``glassnet.learn.explain`` names the module, not the function.
"""

import importlib

# the public names, by the module that defines them
_PUBLIC = {
    "glassnet.learn.checker": ["check", "check_folder", "CheckResult"],
    "glassnet.learn.exercises": ["EXERCISES"],
    "glassnet.learn.stubs": ["start"],
}
_WHERE = {name: module for module, names in _PUBLIC.items() for name in names}

__all__ = list(_WHERE)


def __getattr__(name):
    if name not in _WHERE:
        raise AttributeError(f"module 'glassnet.learn' has no attribute {name!r}")
    value = getattr(importlib.import_module(_WHERE[name]), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_WHERE))
