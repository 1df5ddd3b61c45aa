"""`python -m iamtui` runs the same entry point as the `iamtui` console script."""

from iamtui.cli import main

raise SystemExit(main())
