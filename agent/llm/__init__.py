"""LLM plumbing: the model registry (one seam for every chat model), structured output, tool loops, usage and error handling."""
