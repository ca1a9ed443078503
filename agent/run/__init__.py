"""What runs graphs: the monitor run, investigate sessions, one-paper runs, the scheduler and Studio entry points.

Only this package and `agent/cli/` import `graphs/` (and `evals/`).
"""
