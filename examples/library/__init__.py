"""Library-level examples shown in the docs and executed by the tests."""
