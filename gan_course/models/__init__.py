"""Model builders for the lessons, one module per family (``textures``, ...)."""
