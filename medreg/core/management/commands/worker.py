"""medreg worker: run queued background tasks (SMS delivery, ...) in the foreground.

A thin wrapper over django-tasks-db's ``db_worker`` that listens on every queue by default and never
auto-reloads, so one process serves a whole installation.
"""

from __future__ import annotations

from argparse import ArgumentParser

from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand


class Command(DbWorkerCommand):
    help = "Run the background task worker (django-tasks-db) in the foreground."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.set_defaults(queue_name="*", reload=False)
