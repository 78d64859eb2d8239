"""The caller's account, profile and assistant preferences."""
