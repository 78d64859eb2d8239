"""Runnable examples: the reference service and the docs' library examples."""
