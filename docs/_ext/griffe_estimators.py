"""A Griffe extension for the API pages: the estimators' ``__init__`` is generated from
one list of parameters (``glassnet.estimators.params``), which reading the source cannot
see; its signature is taken from the imported class instead, defaults included."""

from __future__ import annotations

import importlib
import inspect

import griffe

ESTIMATORS = ("glassnet.estimators.net.NetClassifier", "glassnet.estimators.net.NetRegressor")


class InspectEstimatorInit(griffe.Extension):
    """Give each estimator the ``__init__`` that ``inspect.signature`` sees at run time."""

    def on_class_members(self, *, cls: griffe.Class, **kwargs) -> None:
        if cls.path not in ESTIMATORS:
            return
        init = getattr(importlib.import_module(cls.module.path), cls.name).__init__
        params = [
            griffe.Parameter(
                p.name,
                kind=griffe.ParameterKind(p.kind.description),
                default=None if p.default is p.empty else repr(p.default),
            )
            for p in inspect.signature(init).parameters.values()
        ]
        function = griffe.Function("__init__", parameters=griffe.Parameters(*params))
        function.lineno = function.endlineno = cls.lineno
        cls.set_member("__init__", function)
