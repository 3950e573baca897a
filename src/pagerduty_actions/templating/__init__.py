"""Backstage software templates: load them (``template``), lint them (``lint``), and dry-run
or run them (``runner``, ``preflight``) with the built-in actions (``builtins``) and ours.

A run calls our actions through the registry, as HTTP does, so this package sits above the
registry; the `${{ }}` language it renders with is ``template_engine``, below every layer that
uses it.
"""
