from sgdfp.cli import main

raise SystemExit(main())
