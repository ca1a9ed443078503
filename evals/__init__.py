"""Evaluation: the prompt-variant harness, its datasets and metrics, and parser checks."""
