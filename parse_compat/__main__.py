"""`python -m parse_compat` runs the same command as the `parse-compat` script."""

from .cli import main

main()
