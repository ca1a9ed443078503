"""The server as a module-level object, for the SDK's `mcp dev` / `mcp run`, which import a file and look for `server`.

    mcp dev agent/mcp/dev.py --with-editable .

As for LangGraph Studio (agent/run/studio.py): the profile is ARXIV_MONITOR_PROFILE (default: the sample
profile), papers come from ARXIV_MONITOR_OFFLINE_DIR when it is set (and then no model is used), else from arXiv.
`arxiv-monitor mcp` is the same server, with flags.
"""

from __future__ import annotations

import os
from pathlib import Path

from agent.mcp.server import ServerSettings, build_server

_offline_dir = os.environ.get("ARXIV_MONITOR_OFFLINE_DIR")
server = build_server(ServerSettings(profile=Path(os.environ.get("ARXIV_MONITOR_PROFILE") or "profiles/sample.toml"),
                                     offline_dir=Path(_offline_dir) if _offline_dir else None))
