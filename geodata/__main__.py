"""``python -m geodata``: see :mod:`geodata.cli`."""
from geodata.cli import main

raise SystemExit(main())
