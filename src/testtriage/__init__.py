"""testtriage: live test-run triage in the terminal."""

__version__ = "0.1.0"
