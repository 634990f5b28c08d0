"""The command line's exit statuses. Imports nothing, so ``cli/__init__`` can use them
before numpy loads."""

EXIT_OK = 0
EXIT_FAILURE = 1  # a failure the user can fix: bad input, unreachable data, bad model file
EXIT_USAGE = 2  # bad command-line usage (argparse exits with 2 as well)
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT
EXIT_TERMINATED = 143  # SIGTERM (kill, docker stop), as shells report it
