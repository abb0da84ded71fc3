"""Rules: declarative TOML packs, their loader, and the matching engine."""
