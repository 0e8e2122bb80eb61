"""Test helpers for klass and for plugin authors.

- :class:`ToyModel` / :class:`ToyAdapter`: a deterministic toy model for tests and docs.
- :class:`AdapterContract`: a mixin every adapter's test class inherits.
- The ``klass`` pytest plugin (``pytest11`` entry point) gives the ``klass_plugin_manager`` and
  ``klass_registry`` fixtures: a fresh plugin manager per test.
"""

from klass_core.testing.contract import AdapterContract
from klass_core.testing.toy import ToyAdapter, ToyModel

__all__ = ["AdapterContract", "ToyAdapter", "ToyModel"]
