"""Publishing a day: the report node (the JSON contract), its Markdown and HTML renderers, the static archive and the loopback server."""
