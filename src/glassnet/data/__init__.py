"""Data: generated toy data sets (moons, spirals, XOR, ...) and CSV reading."""
