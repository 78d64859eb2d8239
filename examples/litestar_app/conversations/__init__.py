"""Conversations with the assistant, their messages, search and live updates."""
