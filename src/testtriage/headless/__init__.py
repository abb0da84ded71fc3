"""The headless front end: summaries for terminals, CI and scripts, and the rules command."""
