"""The Textual front end: the live triage app."""
