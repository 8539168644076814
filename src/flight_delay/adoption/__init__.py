"""Help for adopting the template: what is left of the shipped examples (leftovers)."""
