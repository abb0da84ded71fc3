"""Run the command line as `python -m testtriage`."""

from testtriage.cli import main

raise SystemExit(main())
