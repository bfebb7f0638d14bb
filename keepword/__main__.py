"""`python -m keepword` is the `keepword` command."""

from keepword.cli import main

main()
