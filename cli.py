"""`python cli.py COMMAND …` is the same program as `footprint COMMAND …`."""

from footprint.cli import main

if __name__ == "__main__":
    main()
