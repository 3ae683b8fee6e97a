"""`cwos-tui serve`: the dashboard in a browser, through textual-serve's app protocol.

`access.py` decides who may connect (loopback hosts, same-origin websockets, the access token),
`server.py` is the aiohttp app (page, websocket, downloads) that runs one dashboard process per tab,
`serve.py` is the command: checks, the shared demo sandbox, the URL, a clean stop.
"""

#: what `serve` tells each dashboard it starts, through its environment
SERVED_ENV = "CWOS_WEB"
DEMO_ENV = "CWOS_WEB_DEMO"
READ_ONLY_ENV = "CWOS_WEB_READ_ONLY"
APP_MODULE = "cwos_tui.ui.web_app"
