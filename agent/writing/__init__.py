"""Writing and checking an analysis: the writer, the deterministic validators, the support check and the self-check that revises or drops."""
