"""No function or method in Shutter is defined and never called.

vulture reads `src/`, `tests/` and `bench/` together (nothing is imported) and reports
every function, method and property whose name nothing refers to. What the framework
calls by itself is not dead: routes and WebSocket endpoints (`@router.get`, …), CLI
commands, pydantic validators, SQLAlchemy event listeners, pytest fixtures and hooks,
`atexit` functions, Alembic's `upgrade`/`downgrade`, and the handler methods a library
calls by name (`handle_DATA` of aiosmtpd, `on_update` of Mastodon.py's stream listener,
`do_GET` and `log_message` of http.server's handlers).

A function only the tests call is not dead by this check; keep those out of production
interfaces by hand (docs/architecture.md, "Test-only operations live in tests/").
"""

from __future__ import annotations

from pathlib import Path

from vulture import Vulture

REPO = Path(__file__).resolve().parents[2]
CALLED_BY_THE_FRAMEWORK = [
    "@*.get",
    "@*.post",
    "@*.put",
    "@*.patch",
    "@*.delete",
    "@*.api_route",
    "@*.websocket",
    "@*.command",
    "@*.callback",
    "@*_validator",
    "@*.listens_for",
    "@*.fixture",
    "@*.exception_handler",
    "@*.middleware",
    "@atexit.register",
]
CALLED_BY_NAME = [
    "upgrade",
    "downgrade",
    "pytest_*",
    "handle_*",
    "on_*",
    "do_*",  # http.server's request handlers (bench/web_slow3g.py's floor page)
    "log_message",
    "__call__",
    "create_worker_app",  # `shutter worker` hands "shutter.app:create_worker_app" to uvicorn
]


def test_every_function_is_called_somewhere() -> None:
    scan = Vulture(ignore_names=CALLED_BY_NAME, ignore_decorators=CALLED_BY_THE_FRAMEWORK)
    scan.scavenge([str(REPO / "src"), str(REPO / "tests"), str(REPO / "bench")])
    dead = [
        f"{Path(item.filename).relative_to(REPO)}:{item.first_lineno} {item.name}"
        for item in scan.get_unused_code(min_confidence=60)
        if item.typ in {"function", "method", "property"}
    ]
    assert dead == []
