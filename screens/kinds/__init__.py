"""One module per kind of resource: its table columns, rows, verbs and detail screen."""
