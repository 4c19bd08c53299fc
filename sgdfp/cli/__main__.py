"""``python -m sgdfp.cli``: the ``sgdfp`` command line (:func:`sgdfp.cli.main`)."""

from sgdfp.cli import main

raise SystemExit(main())
