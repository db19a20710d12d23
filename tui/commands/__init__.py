"""Command palette providers (Ctrl+P): actions, views and saved searches, themes, accounts."""
