"""Agents, state, configuration, the LLM factory and the command line."""
