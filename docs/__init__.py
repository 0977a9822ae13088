"""The user documents (format.md, verdicts.md), installed with the package so that
`pseudoalign explain` can point to a copy on the user's own disk."""
