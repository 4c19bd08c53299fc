"""``python -m sgdfp``: the ``sgdfp`` command line (:func:`sgdfp.cli.main`)."""

from sgdfp.cli import main

raise SystemExit(main())
