"""Shared fixtures: small problems named for the situation they model."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from optimizer.rcpsp.model import Mode, Precedence, Problem, Project, Resource, Task
from optimizer.service.harness import POSTGRES_HINT, ScratchPostgres, postgres_admin_url
from tests.odoo_server import OdooServer, not_found_message, odoo_home, running_odoo

ROOT = Path(__file__).resolve().parents[1]
PSPLIB = ROOT.parent / "shared" / "benchmarks" / "psplib"


def psplib_file(relative: str) -> Path:
    """A benchmark file from ../shared; the test is skipped, saying so, when shared/ is absent."""
    path = PSPLIB / relative
    if not path.exists():
        pytest.skip(f"benchmark data not found at {path}")
    return path


@pytest.fixture
def two_orders_share_one_welder() -> Problem:
    """Two orders each need the single welder for 4 periods after 2 periods of design."""
    return Problem.create(
        name="two_orders_one_welder",
        projects=(Project("SO1", due=6, weight=1.0), Project("SO2", due=6, weight=3.0)),
        tasks=(
            Task("SO1/design", "SO1", (Mode(2, {"designer": 1}),)),
            Task("SO1/weld", "SO1", (Mode(4, {"welder": 1}),)),
            Task("SO2/design", "SO2", (Mode(2, {"designer": 1}),)),
            Task("SO2/weld", "SO2", (Mode(4, {"welder": 1}),)),
        ),
        precedences=(Precedence("SO1/design", "SO1/weld"), Precedence("SO2/design", "SO2/weld")),
        resources=(Resource("designer", 2), Resource("welder", 1)),
        objective="weighted_tardiness",
    )


@pytest.fixture
def fast_or_cheap_modes() -> Problem:
    """Three tasks, each fast-but-costly or slow-but-cheap, with a budget for one fast task only."""
    tasks = tuple(
        Task(t, "P", (Mode(2, {"crew": 1, "budget": 5}), Mode(5, {"crew": 1, "budget": 1})))
        for t in ("a", "b", "c")
    )
    return Problem.create(
        name="modes",
        projects=(Project("P"),),
        tasks=tasks,
        precedences=(Precedence("a", "b"), Precedence("b", "c")),
        resources=(Resource("crew", 1), Resource("budget", 7, renewable=False)),
    )


@pytest.fixture
def lags_and_release() -> Problem:
    """Concrete must cure 3 periods after pouring (FS lag 3); finishing may start 1 period after
    the framing starts (SS lag 1); the project is released at period 5."""
    return Problem.create(
        name="lags",
        projects=(Project("B", release=5),),
        tasks=(
            Task("pour", "B", (Mode(2, {}),)),
            Task("frame", "B", (Mode(4, {"crew": 1}),)),
            Task("finish", "B", (Mode(5, {"crew": 1}),)),
        ),
        precedences=(
            Precedence("pour", "frame", "FS", 3),
            Precedence("frame", "finish", "SS", 1),
        ),
        resources=(Resource("crew", 2),),
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path):
    """A job store URL: a SQLite file in the test's folder, or a scratch database on the local
    PostgreSQL (skipped, saying why, when it is not reachable)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'jobs.sqlite3'}"
        return
    admin = postgres_admin_url()
    if admin is None:
        pytest.skip(POSTGRES_HINT)
    with ScratchPostgres(admin) as url:
        yield url


@pytest.fixture(scope="module")
def odoo() -> Iterator[OdooServer]:
    """A fresh Odoo 18 database with the addons, served for one test module; the module is
    skipped, saying so, where no Odoo 18 is installed."""
    home = odoo_home()
    if home is None:
        pytest.skip(not_found_message())
    with running_odoo(home) as server:
        yield server
