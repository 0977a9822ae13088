"""The bundled scenario files (data only)."""
