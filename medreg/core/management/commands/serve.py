"""medreg serve: serve MedReg with waitress (multi-threaded, the default) or granian (several worker
processes, for production and the public-query benchmark; docs/decisions/0053), plus a task worker child
process.

Refuses to start on a database with unapplied migrations. Static files are served by WhiteNoise
straight from the apps (``WHITENOISE_USE_FINDERS``), so nothing needs collecting. The worker runs
queued tasks such as SMS delivery and is stopped when the server stops.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

WORKER_STOP_TIMEOUT = 10


def unapplied_migrations(database: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Names (``app.migration``) of migrations not yet applied to ``database``."""
    executor = MigrationExecutor(connections[database])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def worker_command() -> list[str]:
    return [sys.executable, "-m", "medreg.cli", "worker", "--no-startup-delay"]


class Command(BaseCommand):
    help = "Serve MedReg with waitress and run the background task worker alongside."
    requires_migrations_checks = False  # checked below, and fatal instead of a warning

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST") or "127.0.0.1",
                            help="address to listen on (default: $HOST or 127.0.0.1)")
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT") or 8000),
                            help="port to listen on (default: $PORT or 8000)")
        parser.add_argument("--threads", type=int, default=int(os.environ.get("MEDREG_THREADS") or 8),
                            help="request threads (default: $MEDREG_THREADS or 8)")
        parser.add_argument("--no-worker", action="store_true",
                            help="do not start the task worker (run `medreg worker` separately)")
        parser.add_argument("--server", choices=["waitress", "granian"],
                            default=os.environ.get("MEDREG_SERVER") or "waitress",
                            help="HTTP server (default: $MEDREG_SERVER or waitress; granian needs the "
                                 "'server' extra: pip install -e '.[server]')")
        parser.add_argument("--processes", type=int, default=int(os.environ.get("MEDREG_PROCESSES") or 0),
                            help="granian: worker processes (default: $MEDREG_PROCESSES or one per core)")

    def handle(self, *args: Any, **options: Any) -> None:
        pending = unapplied_migrations()
        if pending:
            shown = ", ".join(pending[:5]) + (" …" if len(pending) > 5 else "")
            raise CommandError(
                f"数据库还有 {len(pending)} 个迁移未执行，请先运行 `medreg migrate`。"
                f" The database has {len(pending)} unapplied migration(s) ({shown}): run `medreg migrate` first."
            )
        host, port = options["host"], options["port"]
        if not 0 < port < 65536:
            raise CommandError(f"invalid port: {port}")
        worker = None if options["no_worker"] else self._start_worker()
        stopping = threading.Event()
        if worker is not None:
            threading.Thread(target=self._watch_worker, args=(worker, stopping), daemon=True).start()

        def _terminate(signum: int, _frame: Any) -> None:
            raise SystemExit(0)

        previous = signal.signal(signal.SIGTERM, _terminate)
        try:
            if options["server"] == "granian":
                self._serve_granian(host, port, options["threads"], options["processes"] or os.cpu_count() or 1)
            else:
                self._serve(host, port, options["threads"])
        except KeyboardInterrupt:
            pass
        finally:
            stopping.set()
            signal.signal(signal.SIGTERM, previous)
            if worker is not None:
                self._stop_worker(worker)
            self.stdout.write("MedReg 已停止。MedReg stopped.")

    def _serve(self, host: str, port: int, threads: int) -> None:
        from django.core.servers.basehttp import get_internal_wsgi_application
        from waitress import serve

        if settings.STATIC_ROOT:  # WhiteNoise warns about a missing STATIC_ROOT even when finders serve
            os.makedirs(settings.STATIC_ROOT, exist_ok=True)
        application = get_internal_wsgi_application()
        shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 - only for the message
        url = f"http://{f'[{shown}]' if ':' in shown else shown}:{port}/"
        if shown not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
            self.stdout.write(self.style.WARNING(
                f"{shown} 不在 ALLOWED_HOSTS 中（{','.join(settings.ALLOWED_HOSTS)}）；请设置环境变量 ALLOWED_HOSTS。"))
        self.stdout.write(self.style.SUCCESS(f"MedReg 正在运行 / running at {url}  (Ctrl+C 停止 / to stop)"))
        self.stdout.flush()
        serve(application, host=host, port=port, threads=threads, ident="MedReg", _quiet=True)

    def _serve_granian(self, host: str, port: int, threads: int, processes: int) -> None:
        """granian (Rust HTTP, WSGI interface): ``processes`` workers, each running Django in ``threads``
        blocking threads. Each worker process imports ``config.wsgi`` itself."""
        try:
            from granian import Granian
            from granian.constants import Interfaces
        except ImportError as exc:
            raise CommandError("granian 未安装：pip install -e '.[server]'. granian is not installed: "
                               "pip install -e '.[server]'") from exc
        if settings.STATIC_ROOT:
            os.makedirs(settings.STATIC_ROOT, exist_ok=True)
        self.stdout.write(self.style.SUCCESS(
            f"MedReg 正在运行 / running at http://{host}:{port}/ (granian, {processes} processes × {threads} threads)"))
        self.stdout.flush()
        Granian("config.wsgi:application", address=host, port=port, interface=Interfaces.WSGI, workers=processes,
                blocking_threads=threads, log_enabled=False, websockets=False).serve()

    def _start_worker(self) -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(worker_command(), env=os.environ.copy())
        self.stdout.write(f"任务处理进程已启动 / task worker started (pid {proc.pid})")
        return proc

    def _watch_worker(self, proc: subprocess.Popen[bytes], stopping: threading.Event) -> None:
        code = proc.wait()
        if not stopping.is_set():
            self.stderr.write(f"任务处理进程意外退出（{code}）；请运行 `medreg worker`。 task worker exited ({code}).")

    def _stop_worker(self, proc: subprocess.Popen[bytes]) -> None:
        if proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(timeout=WORKER_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
