#!/usr/bin/env python
"""Django's command-line utility for the demo project.

It sets nothing but the settings module: DEBUG and the keys come from the environment
(README, "The demo API"); DJANGO_DEBUG=1 is the local-development mode.
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "demo_project.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
