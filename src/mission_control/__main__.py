"""`python -m mission_control` is the `mc` command."""

from mission_control.cli import main

main()
