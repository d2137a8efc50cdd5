"""``python -m geodata``: see :mod:`geodata.cli`."""
from .cli import main

raise SystemExit(main())
