"""Rapport's Textual app. Everything here may import core/; core/ never imports this."""
