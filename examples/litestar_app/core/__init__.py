"""Cross-cutting parts of the reference service: app factories, problems, guards, CLI."""
