#!/usr/bin/env python
"""Django's command-line utility for the demo project."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_project.settings")
    # manage.py is the development entry point: runserver serves static files (Swagger UI's)
    # only with DEBUG on. Notebooks and tests do not come through here.
    os.environ.setdefault("DJANGO_DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
