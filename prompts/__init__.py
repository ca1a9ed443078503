"""Prompt templates: prompts/<role>/<variant>.md.j2, rendered only by agent.prompts."""
