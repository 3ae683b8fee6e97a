"""The one HTML page: a full-window terminal (textual-serve's xterm.js client) and a "session ended" note.

Everything it loads comes from this server (the font too): a served dashboard works offline and tells
no third party who opened it.
"""

from __future__ import annotations

from html import escape

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="stylesheet" href="/static/css/xterm.css">
<style>
@font-face {{ font-family: "Roboto Mono"; src: url("/static/fonts/RobotoMono-VariableFont_wght.ttf"); }}
html, body {{ margin: 0; height: 100%; background: #0c181f; color: #eee; overflow: hidden; }}
#terminal {{ position: absolute; inset: 0; padding: 2px; }}
#ended {{ display: none; position: absolute; inset: 0; z-index: 10; align-items: center;
  justify-content: center; background: rgba(12, 24, 31, 0.9); font: 16px "Roboto Mono", monospace; }}
body.-closed #ended {{ display: flex; flex-direction: column; gap: 16px; }}
#ended button {{ font: inherit; padding: 8px 24px; cursor: pointer; }}
</style>
<script src="/static/js/textual.js"></script>
</head>
<body>
<div id="terminal" class="textual-terminal" data-session-websocket-url="{websocket_url}"
  data-font-size="{font_size}"></div>
<div id="ended"><div>The cwos-tui session ended.</div>
<button type="button" onclick="window.location.reload()">Start a new one</button></div>
<div id="start" hidden></div>
</body>
</html>
"""


def page(*, title: str, websocket_url: str, font_size: int) -> str:
    return _PAGE.format(title=escape(title), websocket_url=escape(websocket_url, quote=True),
                        font_size=max(8, min(font_size, 40)))
