#!/usr/bin/env python
"""Django's command-line utility for Gavel."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # Without REDIS_URL, share the hot state of a running `make run` instead of forking one.
    from config.embedded_redis import discover

    discover()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
