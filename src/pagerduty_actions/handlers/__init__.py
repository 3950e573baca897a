"""One module per action: the use case, written against the adapters, never against HTTP."""
