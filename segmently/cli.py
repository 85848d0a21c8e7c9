"""Command line: ``segmently serve | migrate | demo | create-user | bench``."""

from __future__ import annotations

import getpass
import json
import sys
from typing import Annotated

import typer
from rich.console import Console

from segmently.settings import ConfigError, Settings, load_settings

app = typer.Typer(help="Segmently: self-hostable A/B testing.", no_args_is_help=True)
bench_app = typer.Typer(help="Benchmarks that print our numbers beside their baselines.")
app.add_typer(bench_app, name="bench")
err = Console(stderr=True)


def _settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        err.print(f"[red]Configuration error:[/red] {exc}")
        raise typer.Exit(2) from None


def _migrate(settings: Settings) -> None:
    from segmently.db.engine import make_engine
    from segmently.db.migrate import upgrade

    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


@app.command()
def migrate() -> None:
    """Upgrade the database schema to the latest version (SQLite or PostgreSQL)."""
    settings = _settings()
    with err.status("Migrating database…"):
        _migrate(settings)
    err.print(f"[green]Database is up to date[/green] ({_safe_url(settings.database_url)})")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
    reload: Annotated[bool, typer.Option(help="Reload on code changes (development).")] = False,
) -> None:
    """Serve the dashboard and the API."""
    import uvicorn

    settings = _settings()
    _migrate(settings)
    err.print(f"Segmently on [bold]http://{host}:{port}[/bold]")
    uvicorn.run(
        "segmently.web.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        reload=reload,
        log_level="info",
        proxy_headers=False,
    )


@app.command()
def worker() -> None:
    """Run the scheduler loop alone (significance checks, …), without serving HTTP."""
    from segmently.db.engine import make_engine, make_session_factory
    from segmently.jobs.loop import Scheduler, default_tasks

    settings = _settings()
    _migrate(settings)
    engine = make_engine(settings.database_url)
    scheduler = Scheduler(make_session_factory(engine), default_tasks())
    err.print("Segmently worker running; Ctrl+C stops it.")
    try:
        scheduler.start()
        while True:
            import time

            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        scheduler.stop()
        engine.dispose()


@app.command()
def demo(
    only_if_empty: Annotated[
        bool, typer.Option("--only-if-empty", help="Do nothing when the database has users.")
    ] = False,
) -> None:
    """Create (idempotently) the demo organization, user and project; print them as JSON."""
    from segmently.db.engine import make_engine, make_session_factory, transaction
    from segmently.demo import database_is_empty, demo_management_key, ensure_demo
    from segmently.projects import service as projects

    settings = _settings()
    _migrate(settings)
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            if only_if_empty and not database_is_empty(session):
                err.print("Database already has accounts; demo not created.")
                return
            account = ensure_demo(
                session,
                data_dir=settings.data_dir,
                base_url=settings.server.base_url,
                rounds=settings.auth.bcrypt_rounds,
            )
            management_key = demo_management_key(session, account)
            out = {
                "api_key": projects.active_key(session, account.project).key,
                "management_key": management_key,
                "project_id": str(account.project.id),
                "experiment_id": str(account.experiment.id),
                "experiment_slug": account.experiment.slug,
                "dashboard_url": f"{settings.server.base_url}/projects/{account.project.id}",
                "demo_page_url": f"{settings.server.base_url}/demo/shop",
                "email": account.user.email,
                "password": account.password,
            }
    finally:
        engine.dispose()
    sys.stdout.write(json.dumps(out) + "\n")


@app.command("create-user")
def create_user(
    email: Annotated[str, typer.Option(help="Email address (the login).")],
    name: Annotated[str, typer.Option(help="Full name.")],
    organization: Annotated[str, typer.Option(help="Name of the new organization.")],
    password: Annotated[
        str | None, typer.Option(help="Password; asked for when not given.")
    ] = None,
    plan: Annotated[str, typer.Option(help="free, professional, business or enterprise.")] = "free",
) -> None:
    """Create a user who owns a new organization."""
    from segmently.auth import service
    from segmently.db.engine import make_engine, make_session_factory, transaction
    from segmently.errors import DomainError

    settings = _settings()
    _migrate(settings)
    if password is None:
        password = getpass.getpass("Password: ")
    engine = make_engine(settings.database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            user = service.signup(
                session,
                name=name,
                email=email,
                organization_name=organization,
                password=password,
                rounds=settings.auth.bcrypt_rounds,
            )
            if plan != "free":
                from segmently.core.plans import Tier

                try:
                    tier = Tier(plan)
                except ValueError:
                    err.print(f"[red]Unknown plan {plan!r}[/red]")
                    raise typer.Exit(2) from None
                service.principal_for_user(session, user).org.tier = tier.value
    except DomainError as exc:
        err.print(f"[red]{exc.message}[/red]")
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
    err.print(f"[green]Created[/green] {email}")


@bench_app.command("assign")
def bench_assign(
    visitors: Annotated[int, typer.Option(help="Distinct visitors to evaluate.")] = 200_000,
) -> None:
    """Targeting + assignment rate, ours beside GrowthBook's Python SDK."""
    from segmently.benchmarks import assign

    result = assign.run(visitors)
    sys.stdout.write(json.dumps(result, indent=2) + "\n")


@bench_app.command("ingest")
def bench_ingest(
    postgres_url: Annotated[
        str | None,
        typer.Option(
            help="An admin URL of PostgreSQL (a scratch database is created and dropped).",
            envvar="SEGMENTLY_BENCH_POSTGRES_URL",
        ),
    ] = "postgresql://postgres@127.0.0.1:5432/test",
    sqlite: Annotated[bool, typer.Option(help="Also measure a fresh SQLite file.")] = True,
    seconds: Annotated[int, typer.Option(help="Seconds per wrk run.")] = 8,
    workers: Annotated[int, typer.Option(help="uvicorn worker processes.")] = 1,
    rounds: Annotated[
        int, typer.Option(min=1, max=9, help="Rounds of the three phases; medians are reported.")
    ] = 1,
) -> None:
    """Durable ingestion (wrk) beside its ceilings: raw executemany and a store-nothing twin."""
    from segmently.benchmarks import ingest

    result = ingest.run(
        pg_url=postgres_url or None,
        sqlite=sqlite,
        seconds=seconds,
        workers=workers,
        rounds=rounds,
        log=lambda msg: err.print(msg),
    )
    sys.stdout.write(json.dumps(result, indent=2) + "\n")


@bench_app.command("snippet")
def bench_snippet(
    loads: Annotated[int, typer.Option(help="Page loads with and without the snippet.")] = 30,
) -> None:
    """segmently.js: gzip -9 size beside GrowthBook's auto.min.js; time to reveal in Chromium."""
    from segmently.benchmarks import snippet

    result = snippet.run(loads, log=lambda msg: err.print(msg))
    sys.stdout.write(json.dumps(result, indent=2) + "\n")


@bench_app.command("results")
def bench_results(
    visitors: Annotated[int, typer.Option(help="Assigned visitors to generate.")] = 1_000_000,
    events_per_visitor: Annotated[
        int, typer.Option(help="Events per visitor (at least 4; 5 gives 5,000,000 events).")
    ] = 5,
    postgres_url: Annotated[
        str | None,
        typer.Option(
            help="An admin URL of PostgreSQL (a scratch database is created and dropped); "
            "empty to skip PostgreSQL.",
            envvar="SEGMENTLY_BENCH_POSTGRES_URL",
        ),
    ] = "postgresql://postgres@127.0.0.1:5432/test",
    sqlite: Annotated[bool, typer.Option(help="Also measure a fresh SQLite file.")] = True,
    requests: Annotated[int, typer.Option(help="Timed requests to each endpoint.")] = 30,
    scans: Annotated[int, typer.Option(help="Timed full scans of the raw tables.")] = 3,
) -> None:
    """Results endpoint (daily aggregates) beside a full scan of the raw events."""
    import time

    from segmently.benchmarks import results

    started = time.perf_counter()

    def log(message: str) -> None:
        err.print(
            f"[dim]{time.perf_counter() - started:6.1f}s[/dim] {message}",
            highlight=False,
            soft_wrap=True,
        )

    try:
        result = results.run(
            visitors,
            events_per_visitor,
            pg_url=postgres_url or None,
            sqlite=sqlite,
            requests=requests,
            scans=scans,
            log=log,
        )
    except ValueError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    sys.stdout.write(json.dumps(result, indent=2) + "\n")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
