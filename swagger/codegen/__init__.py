"""Code generators driven by the specs in swagger/; see swagger/generate.py."""
