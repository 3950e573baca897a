"""Dependency sync between the Backstage catalog and PagerDuty.

``model`` holds the plain data both sides are loaded into, ``plan`` is a pure function from
two graphs, a mapping and a strategy to the changes, ``sources`` load the graphs, ``apply``
writes the changes, ``runs`` keeps the record. Nothing in ``plan`` does I/O, so every strategy
is tested exhaustively without a server.
"""
