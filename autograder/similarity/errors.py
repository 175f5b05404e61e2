"""What goes wrong when a class cannot be compared as asked (exit 2)."""

from __future__ import annotations


class SimilarityError(Exception):
    """Nothing can be compared as asked (exit 2)."""
