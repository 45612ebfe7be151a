"""``python -m bench [--quick]``: see ``bench.run``."""

from bench.run import main

raise SystemExit(main())
