"""``python -m evidentia`` is the ``evidentia`` command."""

from .cli import main

main()
