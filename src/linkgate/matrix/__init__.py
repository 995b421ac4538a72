"""Matrix integration: a Synapse module that applies linkgate's decisions.

Install with ``pip install 'linkgate[matrix]'`` into the homeserver's
environment and add to ``homeserver.yaml``::

    modules:
      - module: linkgate.matrix.LinkgateModule
        config: {...}

See ``docs/integrations/matrix.md``. Synapse itself is imported only when
the module runs inside it.
"""

from linkgate.matrix.config import MatrixConfigError, ModuleConfig, parse_config
from linkgate.matrix.module import LinkgateModule

__all__ = ["LinkgateModule", "MatrixConfigError", "ModuleConfig", "parse_config"]
