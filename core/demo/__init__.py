"""The demo workspace: the platform fakes, a generated story, and the real sync path."""
