"""What the admin pages show and do, without HTTP: the mappings table with each row's state
and auto-match suggestions (``rows``, from a ``snapshot`` of both sides), accepting
suggestions as annotate pull requests (``proposals``), and one service's neighbourhood in the
dependency graph (``graph``, drawn by ``svg``). ``ui/`` renders these; a CLI could too."""
