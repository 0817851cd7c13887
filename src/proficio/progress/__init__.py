"""Competency frameworks and the progress engine."""
