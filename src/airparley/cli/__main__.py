"""``python -m airparley.cli``: the same as the ``airparley`` command."""

from airparley.cli import main

main()
