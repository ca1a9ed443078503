"""`python -m agent` runs the arxiv-monitor command line."""

from agent.cli import main

main()
