"""The pure core: bytes -> records -> events -> findings -> state, with no UI imports."""
