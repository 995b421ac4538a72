"""``python -m linkgate`` runs the CLI."""

from linkgate.cli.main import main

main()
