"""Turn run state into rich renderables and report texts, shared by the TUI and headless mode."""
