"""dashboard: the Dash application (layout, callbacks, figure builders) over a geodata store."""
