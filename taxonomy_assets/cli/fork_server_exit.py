"""Imported first by the CLI's fork server, and by nothing else: the server ends without tearing its
interpreter down once the CLI has gone.

The server learns that the CLI exited when its pipe closes, and then exits as any Python process does,
dismantling the Dagster, SQLAlchemy and pandas modules it preloaded: a few tenths of a second during
which it still holds the CLI's stdout and stderr, so whoever reads them (a shell's `$(...)`, a CI log,
the scale benchmark) waits for it. Registered before anything else is imported, this exit handler runs
last: it flushes and ends the process. The workers the server forks never run exit handlers
(multiprocessing ends them with `os._exit`).
"""

import atexit

from taxonomy_assets.cli.process_exit import end_process

atexit.register(end_process, 0)
