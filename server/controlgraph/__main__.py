"""`python -m controlgraph`: the same command as the installed `controlgraph` script."""

from controlgraph.cli import main

main()
