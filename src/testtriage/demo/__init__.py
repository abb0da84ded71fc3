"""The bundled demo: a realistic run of the seed scenario, replayed live."""
