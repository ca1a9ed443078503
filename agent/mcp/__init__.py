"""`arxiv-monitor mcp`: the section-aware reader and the daily reports, as a Model Context Protocol server."""
